from pathlib import Path

from django.core.management.base import BaseCommand

from notifications.documents.render import format_document_number, render_pdf
from notifications.documents.samples import sample_contexts


class Command(BaseCommand):
    help = (
        "Write one sample PDF of each kind of official document (dispatch notice, admission "
        "notice, makeup notice, circular) into OUTDIR, from the demo data when the database "
        "has it and from built-in data otherwise. The samples are previews: every page is "
        "marked 样稿 and carries the placeholder number 1; no document number is allocated, "
        "nothing is stored and the database is not changed."
    )

    def add_arguments(self, parser):
        parser.add_argument("outdir", type=Path, help="directory to write the PDFs into")
        parser.add_argument(
            "--builtin",
            action="store_true",
            help="use the built-in sample data even when demo data exists",
        )

    def handle(self, *args, outdir: Path, builtin: bool, **options):
        outdir.mkdir(parents=True, exist_ok=True)
        for kind, context in sample_contexts(use_database=not builtin).items():
            number = format_document_number(context.issuer.code, context.date.year, 1)
            rendered = render_pdf(context, document_number=number, preview=True)
            path = outdir / f"{kind}.pdf"
            path.write_bytes(rendered.data)
            self.stdout.write(f"{path} ({rendered.pages} pages, {len(rendered.data)} bytes)")
