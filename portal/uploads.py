"""An upload handler that keeps files in memory and never spills them to a temporary file.

Django writes uploads over 2.5 MB to the temp directory before a view sees them; a
malware sample must never touch the disk as itself, so every upload stays in memory
up to the portal's size limit. Past the limit the bytes are counted and dropped (the
memory a request can take is bounded), and the size check names the limit.
"""

import io

from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopFutureHandlers


class BoundedMemoryUploadHandler(FileUploadHandler):
    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.buffer = io.BytesIO()
        self.received = 0
        raise StopFutureHandlers()

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received <= settings.PORTAL_MAX_UPLOAD_BYTES:
            self.buffer.write(raw_data)
        # Returning None keeps any later handler from seeing (and storing) the chunk.

    def file_complete(self, file_size):
        self.buffer.seek(0)
        # `size` is what the client sent, so an oversized file is refused by its real size.
        return InMemoryUploadedFile(
            file=self.buffer,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=self.received,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )
