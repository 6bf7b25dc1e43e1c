"""Photos of equipment checks and handovers: checked by their content, turned upright, scaled down, stripped, kept.

An officer's phone photo says where it was taken (GPS: a poor family's home), with which phone, and
more. Kube never keeps the file as sent: it opens it with Pillow (a JPEG, PNG or WebP by its content,
whatever its name says), turns it upright (EXIF orientation), scales it to at most MAX_SIDE pixels and
encodes it again with no metadata but the date it was taken (EXIF DateTimeOriginal, also kept in
`Photo.taken_at`). The SHA-256 of the stored bytes is the photo's fingerprint and ETag.

`prepare_photos` checks and re-encodes a submission's uploads before anything is saved, so a bad
photo refuses the whole check or handover (ValidationFailed on the form's `photos` field);
`attach_photos` stores them on the check or the grant in the same transaction. The rest are the
queries of the pages that show them (staff only: never a leader's page, the public verify page or
a letter).
"""
from __future__ import annotations

import hashlib
import io
import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import func, select

from kube.audit.operations import record_audit
from kube.auth.models import User
from kube.core.clock import OFFICE_TIMEZONE
from kube.core.errors import ValidationFailed
from kube.extensions import db
from kube.ledger.models import Asset, AssetCheck, Grant, Photo

#: The largest photo accepted, per file, as sent (a phone's full-size JPEG is 2-5 MB).
PHOTO_MAX_BYTES = 5 * 1024 * 1024
#: Photos one equipment check or one handover may have.
MAX_PHOTOS = 6
#: The longest side of a stored photo, in pixels: enough to read a label or see damage.
MAX_SIDE = 1600
#: More pixels than this is refused before decoding: a small file that unpacks into gigabytes (a
#: decompression bomb). 50 megapixels is more than a phone's usual full-size photo.
MAX_PIXELS = 50_000_000
JPEG_QUALITY = 85
#: What the form's file input offers (its `accept` attribute); the content decides, not this.
ACCEPT = "image/jpeg,image/png,image/webp"
#: The form field the refusals are shown on.
FIELD = "photos"

#: Pillow's formats tried when opening an upload; nothing else (GIF, BMP, TIFF, PSD, ...) is even parsed.
_OPEN_FORMATS = ("JPEG", "PNG", "WEBP")
#: Pillow reports a JPEG with a second picture inside (many phones write one) as MPO: still a JPEG.
_JPEG_FORMATS = ("JPEG", "MPO")
_EXIF_IFD = 0x8769
_DATETIME_ORIGINAL = 0x9003
_OFFSET_TIME_ORIGINAL = 0x9011
_EXIF_DATETIME = "%Y:%m:%d %H:%M:%S"
_OFFSET = re.compile(r"([+-])(\d{2}):(\d{2})")


@dataclass(frozen=True)
class Upload:
    """One file as the browser sent it: its name (for messages only) and its bytes."""

    filename: str
    data: bytes


@dataclass(frozen=True)
class PreparedPhoto:
    """An upload re-encoded for keeping, not yet stored."""

    content_type: str
    width: int
    height: int
    data: bytes
    sha256: str
    taken_at: datetime | None


@dataclass(frozen=True)
class CheckPhotos:
    """One equipment check with its photos, for the grant page."""

    asset: Asset
    check: AssetCheck
    photos: list[Photo]


def display_name(filename: str) -> str:
    """The file's own name, safe to put in a message: no folders, no control characters, at most 80 characters."""
    name = re.split(r"[\\/]", filename or "")[-1]
    name = "".join(char for char in name if not unicodedata.category(char).startswith("C")).strip()
    if len(name) > 80:
        name = name[:79] + "…"
    return name or _("(tanpa nama)")


class _Source(io.BytesIO):
    """An upload's bytes that note when the decoder asked for more than the file holds: a cut-off file.

    Pillow would raise on that by itself, but WeasyPrint (the letters) turns that off for the whole
    process (`ImageFile.LOAD_TRUNCATED_IMAGES = True`), and a global is no switch to flip per request.
    """

    ran_out = False

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        if size is not None and size > 0 and not data:
            self.ran_out = True
        return data


def _refused(message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={FIELD: [message]})


# -- checking and re-encoding -----------------------------------------------------------------

def _taken_at(image: Image.Image) -> tuple[datetime | None, str]:
    """When the camera says the photo was taken (EXIF DateTimeOriginal): the moment in UTC and the tag's
    text as the camera wrote it (normalised), or (None, "") when it has none or it cannot be read.

    The tag holds the camera's local time; with OffsetTimeOriginal it names its offset, otherwise it is
    read as the office's time (WIB), where the photos are taken.
    """
    try:
        tags = image.getexif().get_ifd(_EXIF_IFD)
        raw = tags.get(_DATETIME_ORIGINAL)
        if isinstance(raw, bytes):
            raw = raw.decode("ascii", "replace")
        if not isinstance(raw, str):
            return None, ""
        local = datetime.strptime(raw.strip().rstrip("\x00").strip(), _EXIF_DATETIME)
        offset = tags.get(_OFFSET_TIME_ORIGINAL)
        match = _OFFSET.fullmatch(offset.strip().rstrip("\x00")) if isinstance(offset, str) else None
    except Exception:  # noqa: BLE001 -- a damaged EXIF block only means the date is unknown, not that the photo is bad
        return None, ""
    if not 1990 <= local.year <= 2100:  # an unset camera clock writes 0000 or 1970
        return None, ""
    if match:
        sign = -1 if match.group(1) == "-" else 1
        zone = timezone(sign * timedelta(hours=int(match.group(2)), minutes=int(match.group(3))))
    else:
        zone = OFFICE_TIMEZONE
    return local.replace(tzinfo=zone).astimezone(timezone.utc), local.strftime(_EXIF_DATETIME)


def _date_only_exif(taken: str) -> bytes:
    """An EXIF block holding only DateTimeOriginal, as the camera wrote it, or nothing when there is no date."""
    if not taken:
        return b""
    exif = Image.Exif()
    exif.get_ifd(_EXIF_IFD)[_DATETIME_ORIGINAL] = taken
    return exif.tobytes()


def _upright(image: Image.Image) -> Image.Image:
    """The image turned as its EXIF orientation says; as it is when that tag cannot be read."""
    try:
        return ImageOps.exif_transpose(image)
    except Exception:  # noqa: BLE001 -- a damaged orientation tag: keep the picture as stored rather than refuse it
        return image.copy()


def prepare_photo(upload: Upload) -> PreparedPhoto:
    """Check one upload by its content and re-encode it for keeping; ValidationFailed (on `photos`) when refused."""
    name = display_name(upload.filename)
    if len(upload.data) > PHOTO_MAX_BYTES:
        raise _refused(_("Foto %(f)s lebih besar dari %(m)d MB; pilih foto yang lebih kecil.", f=name,
                         m=PHOTO_MAX_BYTES // (1024 * 1024)))
    not_a_photo = _("Berkas %(f)s bukan foto JPEG, PNG atau WebP; pilih berkas foto.", f=name)
    if not upload.data:
        raise _refused(not_a_photo)
    too_many_pixels = _("Foto %(f)s terlalu besar ukurannya; paling banyak %(m)d megapiksel.", f=name,
                        m=MAX_PIXELS // 1_000_000)
    damaged = _("Foto %(f)s rusak atau tidak lengkap dan tidak dapat dibuka.", f=name)
    stream = _Source(upload.data)
    try:
        with Image.open(stream, formats=_OPEN_FORMATS) as source:
            kind = source.format
            if kind not in (*_JPEG_FORMATS, "PNG", "WEBP"):
                raise _refused(not_a_photo)
            width, height = source.size
            if width * height > MAX_PIXELS:
                raise _refused(too_many_pixels)
            if kind in _JPEG_FORMATS:
                # Let the JPEG decoder scale down by 1/2, 1/4 or 1/8 while reading: less memory, same result.
                source.draft(None, (MAX_SIDE, MAX_SIDE))
            stream.ran_out = False  # the header was read; from here on only the pixels are
            source.load()  # before reading the EXIF: a PNG's may follow its pixels, and reading it decodes them
            if stream.ran_out:
                raise _refused(damaged)
            taken_at, taken = _taken_at(source)
            has_alpha = source.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in source.info
            image = _upright(source)
    except ValidationFailed:
        raise
    except UnidentifiedImageError:
        raise _refused(not_a_photo) from None
    except Image.DecompressionBombError:
        raise _refused(too_many_pixels) from None
    except Exception:  # noqa: BLE001 -- Pillow raises many kinds of error on a damaged file; all mean "cannot open"
        raise _refused(damaged) from None
    # A PNG stays PNG (a screenshot, a drawing), as does a WebP with transparency; everything else is a JPEG.
    as_png = kind == "PNG" or (kind == "WEBP" and has_alpha)
    if as_png:
        mode = "RGBA" if has_alpha else ("L" if image.mode in ("L", "1") else "RGB")
    else:
        mode = "L" if image.mode in ("L", "1") else "RGB"
    if image.mode != mode:
        image = image.convert(mode)
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    # Nothing the upload carried goes along (EXIF with GPS and camera, XMP, comments, text chunks): only
    # the pixels and the date, written explicitly.
    image.info.clear()
    out = io.BytesIO()
    if as_png:
        image.save(out, "PNG", optimize=True, exif=_date_only_exif(taken))
    else:
        image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True,
                   exif=_date_only_exif(taken))
    data = out.getvalue()
    return PreparedPhoto(content_type="image/png" if as_png else "image/jpeg", width=image.width,
                         height=image.height, data=data, sha256=hashlib.sha256(data).hexdigest(), taken_at=taken_at)


def prepare_photos(uploads: Sequence[Upload]) -> list[PreparedPhoto]:
    """Check and re-encode a submission's photos, all before anything is saved; the first refusal stops it."""
    if len(uploads) > MAX_PHOTOS:
        raise _refused(_("Paling banyak %(n)d foto sekali simpan; yang dipilih %(k)d foto.", n=MAX_PHOTOS,
                         k=len(uploads)))
    return [prepare_photo(upload) for upload in uploads]


# -- storing ----------------------------------------------------------------------------------

def attach_photos(prepared: Sequence[PreparedPhoto], actor: User, *, asset_check: AssetCheck | None = None,
                  grant: Grant | None = None) -> list[Photo]:
    """Keep prepared photos on one equipment check or one handed-over grant (exactly one of them), audited."""
    if (asset_check is None) == (grant is None):
        raise ValueError("a photo documents exactly one check or one handover")
    if not prepared:
        return []
    subject = Photo.asset_check_id == asset_check.id if asset_check is not None else Photo.grant_id == grant.id
    kept = db.session.scalar(select(func.count(Photo.id)).where(subject))
    if kept + len(prepared) > MAX_PHOTOS:
        raise _refused(_("Paling banyak %(n)d foto; sudah tersimpan %(k)d foto.", n=MAX_PHOTOS, k=kept))
    photos = [Photo(asset_check_id=asset_check.id if asset_check is not None else None,
                    grant_id=grant.id if grant is not None else None, content_type=item.content_type,
                    width=item.width, height=item.height, byte_size=len(item.data), sha256=item.sha256,
                    data=item.data, taken_at=item.taken_at, uploaded_by_id=actor.id)
              for item in prepared]
    db.session.add_all(photos)
    db.session.flush()
    for photo in photos:
        if asset_check is not None:
            target, target_id, what = "asset", asset_check.asset_id, f"pemeriksaan #{asset_check.id}"
        else:
            target, target_id, what = "grant", grant.id, "serah terima"
        record_audit("photo.upload", target, target_id,
                     f"{what}: foto #{photo.id} sha256 {photo.sha256} ({photo.byte_size} byte, "
                     f"{photo.width}x{photo.height})", actor=actor)
    return photos


def store_photo(data: bytes, filename: str, actor: User, *, asset_check: AssetCheck | None = None,
                grant: Grant | None = None) -> Photo:
    """Check, re-encode and keep one uploaded photo on a check or a handover; ValidationFailed when refused."""
    [photo] = attach_photos([prepare_photo(Upload(filename, data))], actor, asset_check=asset_check, grant=grant)
    return photo


# -- what the pages show ----------------------------------------------------------------------

def photos_of_checks(check_ids: Sequence[int]) -> dict[int, list[Photo]]:
    """Each check's photos (without their bytes) in upload order, in one query."""
    if not check_ids:
        return {}
    found: dict[int, list[Photo]] = defaultdict(list)
    for photo in db.session.scalars(select(Photo).where(Photo.asset_check_id.in_(set(check_ids)))
                                    .order_by(Photo.id)):
        found[photo.asset_check_id].append(photo)
    return dict(found)


def handover_photos(grant_id: int) -> list[Photo]:
    """The handover's documentation photos (dokumentasi penyerahan), without their bytes, in one query."""
    return list(db.session.scalars(select(Photo).where(Photo.grant_id == grant_id).order_by(Photo.id)))


def grant_check_photos(grant_id: int) -> list[CheckPhotos]:
    """The checks of a grant's equipment that have photos, newest first, with their photos: one query."""
    rows = db.session.execute(
        select(Photo, AssetCheck, Asset)
        .join(AssetCheck, AssetCheck.id == Photo.asset_check_id)
        .join(Asset, Asset.id == AssetCheck.asset_id)
        .where(Asset.grant_id == grant_id)
        .order_by(AssetCheck.checked_on.desc(), AssetCheck.id.desc(), Photo.id)
    ).all()
    groups: dict[int, CheckPhotos] = {}
    for photo, check, asset in rows:
        groups.setdefault(check.id, CheckPhotos(asset=asset, check=check, photos=[])).photos.append(photo)
    return list(groups.values())
