"""Turning files, dropped data and the clipboard into pictures for the canvas.

`source_from_mime` decides what a drop or paste contains (a file, image data, or a QImage);
the decode functions run on a pool thread and return a `LoadOutcome` that carries either the
picture or a user-facing error, plus the request number so stale results can be ignored.
`PictureLoader` ties these together for the window: it reports `loaded` or `failed`.

Files and image data are decoded by `image_io`'s child process (time and memory limits), so a
hostile picture can neither freeze the window nor exhaust its memory; the pool thread only waits
for the child's answer. When a newer picture arrives, the decode of the older one is killed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QMimeData, QObject, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QImage, QImageReader

from desktop import image_io
from desktop.gui.document import gray_to_qimage
from desktop.gui.workers import TaskRunner
from desktop.lazy_imports import np


@dataclass(frozen=True)
class Picture:
    gray: np.ndarray  # 0..1, 1 = white: what gets classified
    image: QImage  # display copy
    name: str


@dataclass(frozen=True)
class LoadOutcome:
    request: int
    picture: Picture | None
    error: str | None


@dataclass(frozen=True)
class PictureSource:
    """What a drop/paste holds; exactly one of the fields is set."""

    path: Path | None = None
    image: QImage | None = None
    data: bytes | None = None
    error: str | None = None  # e.g. a web address: we only open local files


def image_file_filter() -> str:
    """A file dialog filter listing every format Qt can read here."""
    patterns = sorted({f"*.{bytes(fmt).decode()}" for fmt in QImageReader.supportedImageFormats()})
    return f"Images ({' '.join(patterns)});;All files (*)"


def source_from_mime(mime: QMimeData | None) -> PictureSource | None:
    """The picture in dropped or pasted data, or None when there is none."""
    if mime is None:
        return None
    if mime.hasUrls():
        urls = [url for url in mime.urls() if url.isValid()]
        local = [url for url in urls if url.isLocalFile()]
        if local:
            return PictureSource(path=Path(local[0].toLocalFile()))
        if urls:
            return PictureSource(error=f"{urls[0].toDisplayString()} is not a local file; "
                                       "save the picture first, then open it.")
    # Encoded data first: it is decoded in the safe child process, whereas imageData() would
    # make Qt decode it here, on the UI thread.
    for fmt in mime.formats():
        if fmt.startswith("image/"):
            data = bytes(mime.data(fmt))
            if data:
                return PictureSource(data=data)
    if mime.hasImage():
        image = mime.imageData()
        if isinstance(image, QImage) and not image.isNull():
            return PictureSource(image=QImage(image))
    if mime.hasText():
        text = mime.text().strip()
        if text and "\n" not in text:
            url = QUrl(text)
            if url.isLocalFile():
                return PictureSource(path=Path(url.toLocalFile()))
            if Path(text).is_file():
                return PictureSource(path=Path(text))
    return None


def _picture(gray: np.ndarray, name: str) -> Picture:
    return Picture(gray, gray_to_qimage(gray), name)


def decode_path(request: int, path: Path, decoder: image_io.Decoder,
                ticket: object) -> LoadOutcome:
    """Runs on a pool thread (which only waits: the decoder's child process does the work)."""
    try:
        gray = decoder.load(path, ticket)
        return LoadOutcome(request, _picture(gray, image_io.display_name(path.name)), None)
    except image_io.ImageError as error:
        return LoadOutcome(request, None, str(error))


def decode_qimage(request: int, image: QImage, name: str) -> LoadOutcome:
    """Runs on a pool thread."""
    limit = image_io.MAX_SIDE
    if max(image.width(), image.height()) > limit:  # huge screenshots: the model sees 28 px
        image = image.scaled(limit, limit, Qt.AspectRatioMode.KeepAspectRatio,
                             Qt.TransformationMode.SmoothTransformation)
    try:
        return LoadOutcome(request, _picture(image_io.from_qimage(image), name), None)
    except image_io.ImageError as error:
        return LoadOutcome(request, None, str(error))


def decode_bytes(request: int, data: bytes, name: str, decoder: image_io.Decoder,
                 ticket: object) -> LoadOutcome:
    """Runs on a pool thread (which only waits: the decoder's child process does the work)."""
    try:
        return LoadOutcome(request, _picture(decoder.decode(data, name, ticket), name), None)
    except image_io.ImageError as error:
        return LoadOutcome(request, None, str(error))


class PictureLoader(QObject):
    """Decodes pictures off the UI thread; only the newest request is delivered, and the decode
    of an older one is stopped."""

    started = Signal(str)  # name of what is being opened
    loaded = Signal(object)  # Picture
    failed = Signal(str, str)  # title, user-facing reason

    # Start the decoder's child process this long after the window is made, so it does not
    # compete with the start-up, yet is ready before the first picture.
    WARM_UP_DELAY_MS = 1000

    def __init__(self, parent: QObject | None = None,
                 decoder: image_io.Decoder | None = None) -> None:
        super().__init__(parent)
        self._tasks = TaskRunner(self)
        self._request = 0
        self._token = object()  # tells this loader's requests from other loaders'
        self._pending = False  # the newest request is still being decoded
        self.decoder = decoder or image_io.shared_decoder()
        QTimer.singleShot(self.WARM_UP_DELAY_MS, self, self._warm_up)
        app = QCoreApplication.instance()
        if app is not None:  # do not keep the app waiting for a decode nobody will see
            app.aboutToQuit.connect(self.cancel)

    def open_path(self, path: Path) -> None:
        path = Path(path)
        self._start(image_io.display_name(path.name), decode_path, path)

    def open_source(self, source: PictureSource, name: str) -> None:
        """A file, image or image data from a drop or the clipboard."""
        if source.error:
            self.failed.emit("Cannot open this", source.error)
        elif source.path is not None:
            self.open_path(source.path)
        elif source.image is not None:
            self._start(name, decode_qimage, source.image, name)
        elif source.data is not None:
            self._start(name, decode_bytes, source.data, name)

    def cancel(self) -> None:
        """Stop decoding the current request (its result would be ignored anyway)."""
        if self._pending:
            self.decoder.cancel((self._token, self._request))

    def _start(self, name: str, decode, *args) -> None:
        self.cancel()  # a newer picture replaces the one being decoded
        self._request += 1
        self._pending = True
        self.started.emit(name)
        if decode is not decode_qimage:  # a QImage is already decoded: no child process needed
            args = (*args, self.decoder, (self._token, self._request))
        self._tasks.start(decode, self._request, *args, on_success=self._on_decoded,
                          on_failure=self._on_crashed)

    def _warm_up(self) -> None:
        self._tasks.start(self.decoder.start, on_success=self._ignore,
                          on_failure=self._ignore)  # a failure is reported on first use

    def _ignore(self, _result: object) -> None:
        pass

    def _on_decoded(self, outcome: LoadOutcome) -> None:
        if outcome.request != self._request:
            return  # a newer request superseded this one
        self._pending = False
        if outcome.picture is None:
            self.failed.emit("This picture cannot be opened", outcome.error or "Unknown error.")
        else:
            self.loaded.emit(outcome.picture)

    def _on_crashed(self, error: Exception) -> None:
        self._pending = False
        self.failed.emit("This picture cannot be opened", f"Unexpected error: {error}")
