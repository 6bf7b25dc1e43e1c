"""Words for audit log actions and object types, in the reader's language; the stored codes stay as they are."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from kube.core.formatting import format_rupiah
from kube.core.labels import labeller

#: One label per action code passed to record_audit (administrators still filter by the code).
ACTION_LABELS = {
    "user.create": _l("Pengguna dibuat"),
    "user.update": _l("Pengguna diubah"),
    "user.password_change": _l("Kata sandi diganti"),
    "user.password_reset": _l("Kata sandi diatur ulang"),
    "user.logout": _l("Keluar (semua sesi diakhiri)"),
    "token.issue": _l("Token API diterbitkan"),
    "token.revoke": _l("Token API dicabut"),
    "group.create": _l("Kelompok didaftarkan"),
    "group.update": _l("Data kelompok diubah"),
    "group.transition": _l("Status kelompok diubah"),
    "group.leader_link": _l("Akun ketua dihubungkan"),
    "group.leader_sign_out": _l("Ketua dikeluarkan dari semua ponsel"),
    "member.create": _l("Anggota ditambahkan"),
    "member.update": _l("Data anggota diubah"),
    "member.leave": _l("Anggota keluar dicatat"),
    "member.import": _l("Anggota diimpor"),
    "history.import": _l("Riwayat diimpor (buku kerja)"),
    "report.create": _l("Laporan pendapatan dikirim"),
    "report.update": _l("Laporan pendapatan diubah"),
    "report.verify": _l("Laporan pendapatan diverifikasi"),
    "budget.create": _l("Anggaran dibuat"),
    "budget.revise": _l("Pagu direvisi"),
    "grant.create": _l("Bantuan dicatat"),
    "grant.submit": _l("Bantuan diajukan"),
    "grant.approve": _l("Bantuan disetujui"),
    "grant.handover": _l("Bantuan diserahterimakan"),
    "grant.cancel": _l("Bantuan dibatalkan"),
    "grant.historical": _l("Bantuan lama dicatat dari arsip"),
    "ledger.reverse": _l("Jurnal dibalik"),
    "letter.issue": _l("Berita acara diterbitkan"),
    "letter.replace": _l("Berita acara diganti"),
    "letter.scan": _l("Pindaian berita acara lama disimpan"),
    "asset.check": _l("Pemeriksaan peralatan dicatat"),
    "photo.upload": _l("Foto disimpan (pemeriksaan atau serah terima)"),
    "follow_up.create": _l("Tindak lanjut dicatat"),
    "person.report": _l("Laporan data pribadi diminta"),
}

#: The kinds of object an audit entry points at (one object each, hence a context of their own:
#: the same words elsewhere name whole lists, such as the menu's "Kelompok").
OBJECT_TYPE_LABELS = {
    "user": lazy_pgettext("audit object", "Pengguna"),
    "group": lazy_pgettext("audit object", "Kelompok"),
    "member": lazy_pgettext("audit object", "Anggota"),
    "import": lazy_pgettext("audit object", "Impor"),
    "income_report": lazy_pgettext("audit object", "Laporan pendapatan"),
    "budget": lazy_pgettext("audit object", "Anggaran"),
    "grant": lazy_pgettext("audit object", "Bantuan"),
    "journal_entry": lazy_pgettext("audit object", "Jurnal"),
    "asset": lazy_pgettext("audit object", "Peralatan"),
    "person": lazy_pgettext("audit object", "Orang"),
}

#: What a personal-data access showed (`kube.audit.operations.record_access`'s `kind`).
ACCESS_KIND_LABELS = {
    "group_page": _l("Halaman kelompok (NIK anggota)"),
    "member_list": _l("Daftar anggota"),
    "member_form": _l("Formulir ubah anggota"),
    "group_export": _l("Ekspor kelompok (NIK ketua)"),
    "member_export": _l("Ekspor anggota"),
    "letter_pdf": _l("Berita acara (PDF)"),
    "api_members": _l("API anggota"),
    "person_report": _l("Laporan data pribadi"),
}

#: Where a summary holds bare whole-Rupiah amounts, per action: each group of the pattern is one amount.
#: The summaries are written by the operations that call record_audit (e.g. grant.approve: "17500000" or
#: "17500000; alasan bantuan kedua: ..."); other numbers in them (years, ids, dates) are left alone.
AMOUNT_PATTERNS = {
    "budget.create": re.compile(r"^\S+ \d{4}: (\d+)(?: \(|$)"),
    "budget.revise": re.compile(r"^(\d+) -> (\d+)(?::|$)"),
    "grant.create": re.compile(r"^\S+ \d{4} \S+: (\d+)$"),
    "grant.submit": re.compile(r"^(\d+)$"),
    "grant.approve": re.compile(r"^(\d+)(?:;|$)"),
    "grant.historical": re.compile(r"^\S+ \d{4} \S+: (\d+)(?:;|$)"),
}


def audit_summary(action: str | None, summary: str | None) -> str:
    """An entry's summary as a reader sees it: the bare amounts its action writes shown in Rupiah
    (`grant.approve`, "17500000; alasan ..." -> "Rp17.500.000; alasan ..."); the stored text stays as it is."""
    text = summary or ""
    pattern = AMOUNT_PATTERNS.get(action or "")
    found = pattern.search(text) if pattern else None
    if found is None:
        return text
    pieces, last = [], 0
    for index in range(1, (pattern.groups or 0) + 1):
        begin, end = found.span(index)
        pieces += [text[last:begin], format_rupiah(int(found[index]))]
        last = end
    return "".join(pieces) + text[last:]


audit_action = labeller(ACTION_LABELS, "An audit action in words: `report.create` -> Laporan pendapatan dikirim.")
audit_object_type = labeller(OBJECT_TYPE_LABELS, "An audited object's kind in words: `grant` -> Bantuan.")

access_kind = labeller(ACCESS_KIND_LABELS, "What a personal-data access showed: `letter_pdf` -> Berita acara (PDF).")

#: Template filters of this feature, registered by its views.
TEMPLATE_FILTERS = {"audit_action": audit_action, "audit_summary": audit_summary, "audit_object_type": audit_object_type, "access_kind": access_kind}
