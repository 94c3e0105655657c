"""A printable verification summary (PDF, A4) an HR team can file: verdict, badge, issuer, every check, QR."""
from __future__ import annotations

import io
from collections.abc import Callable
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from badges import artwork, qr
from badges.report import VerificationReport
from verifier.club import ClubStatus
from verifier.service import StateNote
from verifier.summary import Summary
from web.i18n import local_time, result_text

Translate = Callable[[str], str]
VERDICT_COLOURS = {"valid": colors.HexColor("#047857"), "unknown": colors.HexColor("#b45309"),
                   "not_recipient": colors.HexColor("#334155")}  # a genuine badge, not confirmed for that address
BAD = colors.HexColor("#b91c1c")
CLR_VERDICTS = ("valid", "contains_invalid", "not_recipient")  # a transcript's own words (clr.verdict.*)


def summary_pdf(report: VerificationReport, summary: Summary, *, t: Translate, lang: str,
                landing_url: str | None = None, state_note: StateNote | None = None,
                club: ClubStatus | None = None, transcript_verdict: str | None = None) -> bytes:
    """The summary as PDF bytes, in `lang` through `t` (Hangul drawn with badges.artwork.pdf_fonts); with
    `state_note`, when and why the issuer revoked or suspended the badge, under the verdict. For a CLR, `report`
    is the transcript's own and `transcript_verdict` the verdict over the badges inside too (badges.clr)."""
    regular, bold = artwork.pdf_fonts()
    body = ParagraphStyle("body", fontName=regular, fontSize=10, leading=14, wordWrap="CJK")
    small = ParagraphStyle("small", parent=body, fontSize=8, leading=11, textColor=colors.HexColor("#475569"))
    title = ParagraphStyle("title", parent=body, fontName=bold, fontSize=16, leading=22)
    verdict = ParagraphStyle("verdict", parent=body, fontName=bold, fontSize=15, leading=20, textColor=colors.white)
    story: list[Flowable] = []
    head = [Paragraph(escape(t("pdf.title")), title),
            Paragraph(escape(f"{t('verify.checked_at')}: {local_time(report.checked_at, 'seconds', lang)}"), small)]
    if landing_url:
        code = Image(io.BytesIO(qr.qr_png(landing_url, scale=4)), width=32 * mm, height=32 * mm)
        story.append(Table([[head, code]], colWidths=[130 * mm, 36 * mm], style=[("VALIGN", (0, 0), (-1, -1), "TOP")]))
    else:
        story.extend(head)
    story.append(Spacer(1, 4 * mm))
    shown = transcript_verdict or report.verdict
    text = t(f"clr.verdict.{shown}") if transcript_verdict in CLR_VERDICTS else t(f"verdict.{shown}")
    banner = Table([[Paragraph(escape(text), verdict)]], colWidths=[166 * mm])
    banner.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, -1), VERDICT_COLOURS.get(shown, BAD)),
                                ("LEFTPADDING", (0, 0), (-1, -1), 8), ("TOPPADDING", (0, 0), (-1, -1), 6),
                                ("BOTTOMPADDING", (0, 0), (-1, -1), 8)]))
    story += [banner, Spacer(1, 2 * mm)]
    if state_note is not None:
        story.append(_state(state_note, t, lang, title_claims(bold)))
    story.append(Spacer(1, 2 * mm))
    if not summary.trusted:  # its contents are a claim, not a fact
        story.append(Paragraph(escape(f"{t('verify.claims_title')}: {t('verify.claims_note')}"), title_claims(bold)))
    story += [_facts(summary, t, lang, body, club), Spacer(1, 5 * mm),
              Paragraph(escape(t("verify.checks")), title), _checks(report, t, body, small)]
    if landing_url:
        story += [Spacer(1, 4 * mm), Paragraph(escape(f"{t('pdf.verify_again')}: {landing_url}"), small)]
    story.append(Paragraph(escape(t("pdf.footer")), small))
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, leftMargin=22 * mm, rightMargin=22 * mm, topMargin=18 * mm,
                      bottomMargin=18 * mm, title=t("pdf.title"), author=t("app.name"), lang=lang).build(story)
    return out.getvalue()


def _state(note: StateNote, t: Translate, lang: str, style: ParagraphStyle) -> Table:
    """The revocation (or suspension) date in Korea time and the issuer's reason, labelled."""
    rows = [[Paragraph(escape(t(f"summary.{note.state}_on")), style),
             Paragraph(escape(local_time(note.at, "minutes", lang)), style)]]
    if note.reason:
        rows.append([Paragraph(escape(t("summary.state_reason")), style), Paragraph(escape(note.reason), style)])
    table = Table(rows, colWidths=[38 * mm, 128 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOX", (0, 0), (-1, -1), 0.6, BAD),
                               ("LEFTPADDING", (0, 0), (-1, -1), 6), ("TOPPADDING", (0, 0), (-1, -1), 4),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 4)]))
    return table


def club_text(club: ClubStatus, t: Translate) -> str:
    """The Digital Leaders Club line: certified until a day, or why the certification does not hold now."""
    if club.holds:
        return t("dlc.holds").format(until=club.valid_until or "—")
    return t("dlc.lapsed").format(verdict=t(f"verdict.{club.report.verdict}"))


def title_claims(font: str) -> ParagraphStyle:
    """The red caption over the facts of a document whose signature does not hold."""
    return ParagraphStyle("claims", fontName=font, fontSize=10, leading=14, textColor=BAD, wordWrap="CJK",
                          spaceAfter=4)


def _facts(summary: Summary, t: Translate, lang: str, style: ParagraphStyle, club: ClubStatus | None = None) -> Table:
    member = summary.member
    issuer = summary.issuer_name or summary.issuer_id or "—"
    membership = (t("summary.member").format(name=member.name_ko if lang == "ko" else member.name_en)
                  if member else t("summary.not_member"))
    if member is not None and member.state is not None:
        membership += "\n" + t("summary.membership_lines").format(
            then=t(f"member_state.{member.state_at_issue}") if member.state_at_issue else t("summary.not_yet_member"),
            now=t(f"member_state.{member.state}"))
    if club is not None:
        membership += "\n" + club_text(club, t)
    rows = [("credential.awarded_to", summary.holder_name), ("summary.achievement", summary.achievement_name),
            ("achievement.description", summary.description), ("achievement.criteria", summary.criteria or summary.criteria_url),
            ("credential.issued_by", f"{issuer}\n{summary.issuer_id or ''}\n{membership}"),
            ("credential.issued_on", summary.issued), ("credential.valid_until", summary.valid_until or t("credential.no_expiry")),
            ("credential.completed_on", summary.completed), ("summary.format", t(f"format.{summary.format}") + (f" · {summary.proof_type}" if summary.proof_type else ""))]
    labelled = [(t(key), value) for key, value in rows if value]
    labelled[2:2] = [(line.name or t("result.heading"), result_text(line, lang)) for line in summary.results]
    data = [[Paragraph(escape(label), style), Paragraph(escape(value).replace("\n", "<br/>"), style)]
            for label, value in labelled]
    table = Table(data, colWidths=[38 * mm, 128 * mm], splitInRow=1)  # a long description runs onto the next page
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LINEBELOW", (0, 0), (-1, -1), 0.3, colors.HexColor("#e2e8f0"))]))
    return table


def _checks(report: VerificationReport, t: Translate, style: ParagraphStyle, small: ParagraphStyle) -> Table:
    rows = []
    for check in report.checks:
        note = ""
        if check.problem:
            text = t(check.problem.code)
            note = (text if text != check.problem.code else "") + f"\n{check.problem.detail}"
        elif check.reason and t(check.reason) != check.reason:
            note = t(check.reason)
        rows.append([Paragraph(escape(t(f"check.{check.id}")), style),
                     Paragraph(escape(t(f"outcome.{check.outcome}")), style),
                     Paragraph(escape(note.strip()).replace("\n", "<br/>"), small)])
    table = Table(rows, colWidths=[38 * mm, 22 * mm, 106 * mm], splitInRow=1)
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LINEBELOW", (0, 0), (-1, -1), 0.3, colors.HexColor("#e2e8f0"))]))
    return table
