"""Upload handling for the whole site: a multipart body larger than any upload we accept is
refused before it is read."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler


class BodySizeLimitHandler(FileUploadHandler):
    """First of FILE_UPLOAD_HANDLERS: checks the declared length, then hands every chunk on.

    Django's DATA_UPLOAD_MAX_MEMORY_SIZE counts form fields, not files, and a WSGI server reads
    no more than Content-Length, so the declared length is the whole body.
    """

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length > settings.UPLOAD_MAX_BODY_SIZE:
            # A SuspiciousOperation: Django answers 400 with templates/400.html.
            raise RequestDataTooBig(
                f"Upload of {content_length} bytes exceeds UPLOAD_MAX_BODY_SIZE."
            )

    def receive_data_chunk(self, raw_data, start):
        return raw_data  # to the next handler, which stores it

    def file_complete(self, file_size):
        return None  # the next handler makes the file
