"""A document that took too long to render is a page that says so, not a 500."""

from django.shortcuts import render

from .pdf import PdfTooSlow


class PdfTooSlowMiddleware:
    """The view's transaction has rolled back by now (nothing half-saved); say what to do."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, PdfTooSlow):
            return render(request, "pdf_too_slow.html", {"message": str(exception)}, status=422)
        return None
