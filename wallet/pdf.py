"""The career-proof PDF: the learner's history, Korean or English, with a QR code per badge that opens its
verification. Text comes from wallet.messages; Hangul is drawn with the Nanum font (badges.artwork)."""
from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from badges import artwork, qr
from badges.clock import in_korea, korea_date
from wallet.messages import MESSAGES

QR_SIZE = 30 * mm


@dataclass(frozen=True, slots=True)
class PdfBadge:
    """One line of the history as printed."""

    title: str
    issuer: str
    awarded_on: date | None
    hours: float | None
    skills: tuple[str, ...]
    state: str  # a verdict: valid, revoked, expired, ...
    verify_url: str
    stopped_at: datetime | None = None  # when its issuer (here) revoked or suspended it
    reason: str | None = None  # and why, as the issuer's staff wrote it
    results: str = ""  # an assessment's score and level, worded (web.i18n.result_text)


def career_pdf(*, lang: str, learner_name: str, holder_did: str, badges: Sequence[PdfBadge], total_hours: float,
               generated: datetime) -> bytes:
    """The PDF bytes; `lang` is "ko" or "en"."""
    regular, bold = artwork.pdf_fonts()

    def t(key: str, **values: object) -> str:
        text = MESSAGES[key][lang]
        return text.format(**values) if values else text

    styles = {
        "title": ParagraphStyle("title", fontName=bold, fontSize=20, leading=26, spaceAfter=4),
        "body": ParagraphStyle("body", fontName=regular, fontSize=10, leading=14, wordWrap="CJK"),
        "small": ParagraphStyle("small", fontName=regular, fontSize=8, leading=11, textColor=colors.HexColor("#475569"),
                                wordWrap="CJK"),
        "name": ParagraphStyle("name", fontName=bold, fontSize=12, leading=16, wordWrap="CJK"),
    }
    issuers = {b.issuer for b in badges}
    story: list[Flowable] = [
        Paragraph(escape(t("wallet.pdf.title")), styles["title"]),
        Paragraph(escape(f"{learner_name} · {t('wallet.pdf.generated')} {korea_date(generated)}"), styles["body"]),
        Paragraph(escape(f"{t('wallet.pdf.holder')}: {holder_did}"), styles["small"]),
        Spacer(1, 4 * mm),
        Paragraph(escape(t("wallet.pdf.summary", badges=len(badges), hours=_hours(total_hours),
                           orgs=len(issuers))), styles["name"]),
        Spacer(1, 3 * mm),
    ]
    rows = [[Image(io.BytesIO(qr.qr_png(b.verify_url, scale=4)), width=QR_SIZE, height=QR_SIZE),
             _describe(b, t, styles)] for b in badges]
    if rows:
        table = Table(rows, colWidths=[QR_SIZE + 4 * mm, None], splitInRow=1)  # a row may run onto the next page
        table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                                   ("LINEBELOW", (0, 0), (-1, -1), 0.5, colors.HexColor("#e2e8f0")),
                                   ("TOPPADDING", (0, 0), (-1, -1), 6), ("BOTTOMPADDING", (0, 0), (-1, -1), 6)]))
        story.append(table)
    story += [Spacer(1, 5 * mm), Paragraph(escape(t("wallet.pdf.how_to_verify")), styles["small"])]
    out = io.BytesIO()
    document = SimpleDocTemplate(out, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=18 * mm,
                                 bottomMargin=18 * mm, title=t("wallet.pdf.title"), author=learner_name,
                                 lang=lang)

    def footer(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        canvas.setFont(regular, 8)
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, f"{doc.page}")

    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()


def _describe(badge: PdfBadge, t: Callable[..., str], styles: dict[str, ParagraphStyle]) -> list[Paragraph]:
    facts = [badge.issuer]
    if badge.awarded_on:
        facts.append(f"{badge.awarded_on:%Y-%m-%d}")
    if badge.hours:
        facts.append(t("wallet.hours_value", hours=_hours(badge.hours)))
    parts = [Paragraph(escape(badge.title), styles["name"]), Paragraph(escape(" · ".join(facts)), styles["body"])]
    if badge.results:
        parts.append(Paragraph(escape(badge.results), styles["body"]))
    if badge.skills:
        parts.append(Paragraph(escape(f"{t('wallet.skills')}: {', '.join(badge.skills)}"), styles["body"]))
    state = f"wallet.state.{badge.state}" if f"wallet.state.{badge.state}" in MESSAGES else "wallet.state.not_genuine"
    parts.append(Paragraph(escape(f"{t('wallet.status')}: {t(state)}"), styles["body"]))
    moment = in_korea(badge.stopped_at)
    if moment is not None and badge.state in ("revoked", "suspended"):
        parts.append(Paragraph(escape(f"{t(f'wallet.pdf.{badge.state}_on')}: {moment:%Y-%m-%d %H:%M} "
                                      f"{t('wallet.pdf.korea_time')}"), styles["body"]))
        if badge.reason:
            parts.append(Paragraph(escape(f"{t('wallet.pdf.reason')}: {badge.reason}"), styles["body"]))
    parts.append(Paragraph(escape(f"{t('wallet.pdf.scan')} {badge.verify_url}"), styles["small"]))
    return parts


def _hours(value: float) -> str:
    return f"{value:g}"
