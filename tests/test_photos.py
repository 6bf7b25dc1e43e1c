"""Photos of equipment checks and handovers: checked by content, upright, scaled, stripped of EXIF but the date,
stored with the check or handover in one transaction, and served to staff only."""
from __future__ import annotations

import hashlib
import io
import re
from datetime import datetime, timezone

import pytest
from PIL import Image
from sqlalchemy import func, select

from kube.audit.models import AuditEntry
from kube.ledger import operations, photos
from kube.ledger.letters import current_letter
from kube.ledger.models import Asset, AssetCheck, Grant, Letter, Photo
from tests.factories import make_budget, make_grant, make_user, office_today

EXIF_IFD, GPS_IFD = 0x8769, 0x8825
MAKE, MODEL, ORIENTATION, DATETIME_ORIGINAL = 0x010F, 0x0110, 0x0112, 0x9003


def picture(fmt: str = "JPEG", size=(800, 600), mode: str = "RGB", exif: Image.Exif | None = None) -> bytes:
    """An image file made here, with a gradient so it is not trivially compressible to nothing."""
    image = Image.linear_gradient("L").resize(size).convert(mode)
    if mode == "RGBA":
        image.putalpha(Image.linear_gradient("L").rotate(90).resize(size))  # really transparent in places
    out = io.BytesIO()
    options = {"exif": exif.tobytes()} if exif is not None else {}
    if fmt == "JPEG":
        options["xmp"] = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">GPSLatitude 6,7,8S</x:xmpmeta>'
    image.save(out, fmt, **options)
    return out.getvalue()


def camera_exif(orientation: int | None = None) -> Image.Exif:
    """What a phone writes: make and model, the GPS position and the date taken (09:30 in Serang)."""
    exif = Image.Exif()
    exif[MAKE], exif[MODEL] = "Samsung", "Galaxy A15"
    exif.get_ifd(EXIF_IFD)[DATETIME_ORIGINAL] = "2026:01:10 09:30:00"
    gps = exif.get_ifd(GPS_IFD)
    gps[1], gps[2], gps[3], gps[4] = "S", (6.0, 7.0, 8.0), "E", (106.0, 9.0, 1.0)
    if orientation:
        exif[ORIENTATION] = orientation
    return exif


def files(*items: tuple[bytes, str]) -> list:
    return [(io.BytesIO(data), name) for data, name in items]


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def world(db, staff, group):
    """A tent grant handed over to `group` (so it has equipment), and an approved one still to hand over."""
    make_budget(staff["maker"], year=2025, amount=900_000_000)
    handed = make_grant(staff["maker"], staff["checker"], status="handed_over", group=group)
    approved = make_grant(staff["maker"], staff["checker"], status="approved", group=group)
    db.session.commit()
    tent = db.session.scalar(select(Asset).where(Asset.grant_id == handed.id, Asset.item == "Tenda dekorasi"))
    return {"handed": handed, "approved": approved, "tent": tent}


@pytest.fixture
def clients(app, staff, login):
    """A logged-in client for the maker (officer), the checker (officer), the admin and the viewer."""
    return {name: login(user, test_client=app.test_client()) for name, user in staff.items()}


def post_check(client, asset, *uploads, note: str = "Disewakan 3 kali", condition: str = "baik"):
    return client.post(f"/equipment/{asset.id}/checks/new", content_type="multipart/form-data", data={
        "condition": condition, "checked_on": office_today().isoformat(), "note": note, "photos": files(*uploads)})


def stored(db) -> list[Photo]:
    db.session.expire_all()
    return list(db.session.scalars(select(Photo).order_by(Photo.id)))


# -- what is kept of a photo ------------------------------------------------------------------

def test_exif_is_removed_except_the_date_taken(db, world, clients):
    response = post_check(clients["maker"], world["tent"], (picture(exif=camera_exif()), "IMG_0001.jpg"))
    assert response.status_code == 302, text(response)
    [photo] = stored(db)
    assert photo.content_type == "image/jpeg"
    # 09:30 in Serang (WIB, UTC+7) is 02:30 UTC.
    taken = photo.taken_at if photo.taken_at.tzinfo else photo.taken_at.replace(tzinfo=timezone.utc)  # SQLite: naive UTC
    assert taken == datetime(2026, 1, 10, 2, 30, tzinfo=timezone.utc)
    kept = Image.open(io.BytesIO(photo.data))
    exif = kept.getexif()
    assert MAKE not in exif and MODEL not in exif and GPS_IFD not in exif and ORIENTATION not in exif
    assert not exif.get_ifd(GPS_IFD)
    assert dict(exif.get_ifd(EXIF_IFD)) == {DATETIME_ORIGINAL: "2026:01:10 09:30:00"}
    assert "xmp" not in kept.info and b"GPSLatitude" not in photo.data and b"Samsung" not in photo.data


def test_a_photo_without_exif_keeps_none(db, world, clients):
    assert post_check(clients["maker"], world["tent"], (picture(), "plain.jpg")).status_code == 302
    [photo] = stored(db)
    assert photo.taken_at is None
    assert not Image.open(io.BytesIO(photo.data)).getexif()


def test_the_photo_is_turned_upright_by_its_exif_orientation(db, world, clients):
    # Orientation 6: the camera was held upright, the sensor stored it lying down; it is shown turned 90 degrees.
    assert post_check(clients["maker"], world["tent"],
                      (picture(size=(300, 200), exif=camera_exif(orientation=6)), "tegak.jpg")).status_code == 302
    [photo] = stored(db)
    assert (photo.width, photo.height) == (200, 300) == Image.open(io.BytesIO(photo.data)).size


def test_a_large_photo_is_scaled_to_1600_on_its_longest_side(db, world, clients):
    assert post_check(clients["maker"], world["tent"], (picture(size=(4000, 3000)), "besar.jpg")).status_code == 302
    [photo] = stored(db)
    assert (photo.width, photo.height) == (1600, 1200) == Image.open(io.BytesIO(photo.data)).size
    assert photo.byte_size == len(photo.data)


def test_png_and_webp_are_accepted(db, world, clients):
    uploads = [(picture("PNG", size=(2400, 600), mode="RGBA"), "layar.png"), (picture("WEBP"), "foto.webp"),
               (picture("WEBP", mode="RGBA"), "transparan.webp")]
    assert post_check(clients["maker"], world["tent"], *uploads).status_code == 302
    png, webp, webp_alpha = stored(db)
    assert (png.content_type, png.width, png.height) == ("image/png", 1600, 400)
    assert Image.open(io.BytesIO(png.data)).mode == "RGBA"
    # A WebP photo is kept as a JPEG; one with transparency as a PNG, keeping it.
    assert webp.content_type == "image/jpeg" and Image.open(io.BytesIO(webp.data)).format == "JPEG"
    assert webp_alpha.content_type == "image/png" and Image.open(io.BytesIO(webp_alpha.data)).format == "PNG"


def test_the_sha256_is_of_the_stored_bytes_and_is_the_etag(db, world, clients):
    post_check(clients["maker"], world["tent"], (picture(exif=camera_exif()), "a.jpg"))
    [photo] = stored(db)
    assert photo.sha256 == hashlib.sha256(photo.data).hexdigest()
    response = clients["viewer"].get(f"/photos/{photo.id}")
    assert response.data == photo.data and response.headers["ETag"] == f'"{photo.sha256}"'
    again = clients["viewer"].get(f"/photos/{photo.id}", headers={"If-None-Match": f'"{photo.sha256}"'})
    assert again.status_code == 304 and again.data == b""


def test_each_photo_is_audited_with_its_sha256(db, world, clients, staff):
    post_check(clients["maker"], world["tent"], (picture(), "a.jpg"), (picture("PNG"), "b.png"))
    kept = stored(db)
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "photo.upload")
                                 .order_by(AuditEntry.id)).all()
    assert [(entry.object_type, entry.object_id) for entry in entries] == [("asset", str(world["tent"].id))] * 2
    assert [photo.sha256 in entry.summary for photo, entry in zip(kept, entries)] == [True, True]
    assert all(entry.user_id == staff["maker"].id for entry in entries)


# -- refusals: the whole check or handover, nothing half-saved ---------------------------------

def _refused_on_the_photos_field(response, message: str) -> None:
    assert response.status_code == 200
    page = text(response)
    field = re.search(r'<div class="field has-error">\s*<label for="photos".*?</div>', page, re.S)
    assert field and message in field.group(0), page[:3000]


def test_a_photo_over_5_mb_refuses_the_check_and_saves_nothing(db, world, clients):
    too_big = picture() + b"\0" * (photos.PHOTO_MAX_BYTES + 1)  # a real JPEG, padded past the limit
    response = post_check(clients["maker"], world["tent"], (picture(), "kecil.jpg"), (too_big, "besar sekali.jpg"),
                          note="Rangka bengkok")
    _refused_on_the_photos_field(response, "Foto besar sekali.jpg lebih besar dari 5 MB")
    assert "Rangka bengkok" in text(response)  # the other fields are kept
    assert stored(db) == [] and db.session.scalar(select(func.count(AssetCheck.id))) == 0
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action.in_(
        ("asset.check", "photo.upload")))) == 0


def test_exactly_5_mb_is_accepted(db, world, clients):
    data = picture()
    assert post_check(clients["maker"], world["tent"],
                      (data + b"\0" * (photos.PHOTO_MAX_BYTES - len(data)), "pas.jpg")).status_code == 302
    assert len(stored(db)) == 1


def gif() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(out, "GIF")
    return out.getvalue()


def bmp() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(out, "BMP")
    return out.getvalue()


@pytest.mark.parametrize("data, name, message", [
    (b"Daftar peralatan: tenda 2, kursi 50\n", "foto.jpg", "Berkas foto.jpg bukan foto JPEG, PNG atau WebP"),
    (gif(), "animasi.gif", "Berkas animasi.gif bukan foto JPEG, PNG atau WebP"),
    (bmp(), "foto.jpg", "Berkas foto.jpg bukan foto JPEG, PNG atau WebP"),
    (b"", "kosong.jpg", "Berkas kosong.jpg bukan foto JPEG, PNG atau WebP"),
    (picture(size=(1200, 900))[:3000], "terpotong.jpg", "Foto terpotong.jpg rusak atau tidak lengkap"),
    (picture("PNG", size=(1200, 900))[:2000], "terpotong.png", "Foto terpotong.png rusak atau tidak lengkap"),
])
def test_anything_but_a_jpeg_png_or_webp_is_refused_by_its_content(db, world, clients, data, name, message):
    response = post_check(clients["maker"], world["tent"], (data, name))
    _refused_on_the_photos_field(response, message)
    assert stored(db) == [] and db.session.scalar(select(func.count(AssetCheck.id))) == 0


def test_a_decompression_bomb_is_refused_before_it_is_decoded(db, world, clients):
    out = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(out, "PNG")  # 400 megapixels in a few dozen kilobytes
    assert len(out.getvalue()) < 200_000
    response = post_check(clients["maker"], world["tent"], (out.getvalue(), "bom.png"))
    _refused_on_the_photos_field(response, "Foto bom.png terlalu besar ukurannya; paling banyak 50 megapiksel.")
    assert stored(db) == []


def test_more_than_six_photos_are_refused(db, world, clients):
    small = picture(size=(80, 60))
    response = post_check(clients["maker"], world["tent"], *[(small, f"f{i}.jpg") for i in range(7)])
    _refused_on_the_photos_field(response, "Paling banyak 6 foto sekali simpan; yang dipilih 7 foto.")
    assert stored(db) == [] and db.session.scalar(select(func.count(AssetCheck.id))) == 0
    assert post_check(clients["maker"], world["tent"], *[(small, f"f{i}.jpg") for i in range(6)]).status_code == 302
    assert len(stored(db)) == 6


def test_photos_together_larger_than_the_apps_upload_limit_are_accepted(app, db, world, clients):
    padding = b"\0" * (4 * 1024 * 1024)
    uploads = [(picture() + padding, "satu.jpg"), (picture() + padding, "dua.jpg"), (picture() + padding, "tiga.jpg")]
    assert sum(len(data) for data, _ in uploads) > app.config["MAX_CONTENT_LENGTH"]
    assert post_check(clients["maker"], world["tent"], *uploads).status_code == 302
    assert len(stored(db)) == 3


@pytest.mark.parametrize("app_overrides", [{"WTF_CSRF_ENABLED": True}])
def test_the_check_form_still_needs_its_csrf_token(db, world, staff, client):
    with client.session_transaction() as session:  # the login form itself needs a token now
        session["_user_id"], session["_fresh"] = staff["maker"].get_id(), True
    url = f"/equipment/{world['tent'].id}/checks/new"
    assert post_check(client, world["tent"], (picture(), "a.jpg")).status_code == 400
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', text(client.get(url))).group(1)
    response = client.post(url, content_type="multipart/form-data", data={
        "csrf_token": token, "condition": "baik", "checked_on": office_today().isoformat(), "note": "",
        "photos": files((picture(), "a.jpg"))})
    assert response.status_code == 302 and len(stored(db)) == 1


# -- handovers (dokumentasi penyerahan) ---------------------------------------------------------

def post_handover(client, grant, *uploads):
    return client.post(f"/grants/{grant.id}/handover", content_type="multipart/form-data", data={
        "handover_date": office_today().isoformat(), "received_by_member_id": str(grant.group.ketua.id),
        "photos": files(*uploads)})


def test_a_handover_keeps_its_photos_on_the_grant(db, world, clients):
    grant = world["approved"]
    response = post_handover(clients["maker"], grant, (picture(exif=camera_exif()), "penyerahan.jpg"))
    assert response.status_code == 302, text(response)
    [photo] = stored(db)
    assert photo.grant_id == grant.id and photo.asset_check_id is None
    assert db.session.get(Grant, grant.id).status == "handed_over"
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "photo.upload"))
    assert audit.object_type == "grant" and photo.sha256 in audit.summary


def test_a_bad_photo_refuses_the_whole_handover(db, world, clients):
    grant = world["approved"]
    letters_before = db.session.scalar(select(func.count(Letter.id)))
    response = post_handover(clients["maker"], grant, (picture(), "baik.jpg"), (b"bukan foto", "foto.jpg"))
    _refused_on_the_photos_field(response, "Berkas foto.jpg bukan foto JPEG, PNG atau WebP")
    db.session.expire_all()
    assert db.session.get(Grant, grant.id).status == "approved"
    assert stored(db) == [] and db.session.scalar(select(func.count(Letter.id))) == letters_before
    assert db.session.scalar(select(func.count(Asset.id)).where(Asset.grant_id == grant.id)) == 0


def test_handover_photos_show_on_the_grant_page_for_staff_only(app, db, world, clients, group, login):
    grant = world["approved"]
    post_handover(clients["maker"], grant, (picture(size=(1600, 1200)), "a.jpg"), (picture(size=(600, 900)), "b.jpg"))
    first, second = stored(db)
    page = text(clients["viewer"].get(f"/grants/{grant.id}"))
    assert "Dokumentasi penyerahan" in page
    img = re.search(rf'<img src="/photos/{first.id}"[^>]*>', page).group(0)
    assert f'alt="Serah terima bantuan #{grant.id}, foto 1 dari 2"' in img
    assert 'width="160" height="120"' in img and 'loading="lazy"' in img
    assert f'<a href="/photos/{first.id}">' in page
    assert re.search(rf'<img src="/photos/{second.id}"[^>]*width="107" height="160"', page)

    leader = login(make_user("leader", group_id=group.id), test_client=app.test_client())
    own = text(leader.get(f"/grants/{grant.id}"))
    assert "/photos/" not in own and "Dokumentasi penyerahan" not in own
    assert leader.get(f"/photos/{first.id}").status_code == 403

    # The public verify page (anyone holding the letter) shows the letter's facts, never a photo.
    verify = app.test_client().get(f"/verify/{current_letter(grant.id).token}")
    assert verify.status_code == 200 and grant.letter_number in text(verify) and "/photos/" not in text(verify)


# -- the pages of checks ----------------------------------------------------------------------

def test_check_photos_show_on_the_register_the_check_page_and_the_grant_page(app, db, world, clients, group, login):
    tent = world["tent"]
    post_check(clients["maker"], tent, (picture(), "lama.jpg"), note="Pemeriksaan pertama")
    post_check(clients["checker"], tent, (picture(), "baru.jpg"), note="Pemeriksaan kedua", condition="rusak")
    older, latest = stored(db)

    register = text(clients["viewer"].get(f"/groups/{group.id}/equipment"))
    assert "Foto pemeriksaan terakhir" in register
    assert f'src="/photos/{latest.id}"' in register and f'src="/photos/{older.id}"' not in register  # the latest only
    assert re.search(rf'<img src="/photos/{latest.id}"[^>]*alt="Pemeriksaan Tenda dekorasi [^"]*, foto 1 dari 1"', register)

    check_page = text(clients["maker"].get(f"/equipment/{tent.id}/checks/new"))
    assert f'src="/photos/{older.id}"' in check_page and f'src="/photos/{latest.id}"' in check_page
    assert 'enctype="multipart/form-data"' in check_page and 'accept="image/jpeg,image/png,image/webp"' in check_page

    grant_page = text(clients["admin"].get(f"/grants/{world['handed'].id}"))
    assert "Foto pemeriksaan peralatan" in grant_page
    assert f'src="/photos/{older.id}"' in grant_page and f'src="/photos/{latest.id}"' in grant_page

    leader = login(make_user("leader", group_id=group.id), test_client=app.test_client())
    own_register = text(leader.get(f"/groups/{group.id}/equipment"))
    assert own_register and "/photos/" not in own_register and "Foto pemeriksaan terakhir" not in own_register
    assert "/photos/" not in text(leader.get(f"/grants/{world['handed'].id}"))


def test_the_handover_form_takes_photos(db, world, clients):
    page = text(clients["maker"].get(f"/grants/{world['approved'].id}/handover"))
    assert 'enctype="multipart/form-data"' in page
    assert re.search(r'<input[^>]*type="file"[^>]*>', page) and "multiple" in re.search(
        r'<input[^>]*name="photos"[^>]*>', page).group(0)


# -- serving ----------------------------------------------------------------------------------

@pytest.fixture
def photo(db, world, clients):
    post_check(clients["maker"], world["tent"], (picture(), "a.jpg"))
    [kept] = stored(db)
    return kept


@pytest.mark.parametrize("who", ["admin", "maker", "viewer"])
def test_a_photo_is_served_to_staff_with_its_type_and_private_caching(clients, photo, who):
    response = clients[who].get(f"/photos/{photo.id}")
    assert response.status_code == 200 and response.content_type == "image/jpeg"
    assert response.data == photo.data
    cache = response.headers["Cache-Control"]
    assert "private" in cache and re.search(r"max-age=\d+", cache) and "public" not in cache
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_photo_is_refused_to_leaders_and_visitors(app, db, login, group, photo):
    leader = login(make_user("leader", group_id=group.id), test_client=app.test_client())
    assert leader.get(f"/photos/{photo.id}").status_code == 403
    visitor = app.test_client().get(f"/photos/{photo.id}")
    assert visitor.status_code == 302 and "/login" in visitor.headers["Location"]


def test_a_missing_photo_is_404(clients, photo):
    assert clients["viewer"].get(f"/photos/{photo.id + 1000}").status_code == 404


def test_pages_stay_uncached_while_photos_are_kept_privately(clients, photo, world):
    assert clients["viewer"].get(f"/grants/{world['handed'].id}").headers["Cache-Control"] == "no-store"


# -- the rules on their own -------------------------------------------------------------------

def test_a_photo_documents_exactly_one_thing(app, db, world, staff):
    prepared = photos.prepare_photos([photos.Upload("a.jpg", picture())])
    with pytest.raises(ValueError):
        photos.attach_photos(prepared, staff["maker"])
    check = operations.record_asset_check(world["tent"], office_today(), "baik", "", staff["maker"])
    with pytest.raises(ValueError):
        photos.attach_photos(prepared, staff["maker"], asset_check=check, grant=world["handed"])


def test_store_photo_keeps_one_photo_on_a_handover(app, db, world, staff):
    with app.test_request_context():
        photo = photos.store_photo(picture(), "serah.jpg", staff["maker"], grant=world["handed"])
        db.session.commit()
    assert photo.grant_id == world["handed"].id and photo.sha256 == hashlib.sha256(photo.data).hexdigest()


def test_file_names_in_messages_are_cleaned(app):
    with app.test_request_context():
        assert photos.display_name("C:\\Users\\petugas\\foto\x00\u202e.jpg") == "foto.jpg"
        assert photos.display_name("") == "(tanpa nama)"
        assert len(photos.display_name("a" * 300 + ".jpg")) == 80
