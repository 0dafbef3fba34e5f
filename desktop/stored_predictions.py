"""A model's answers on its test set, stored in its training report (entry "test_predictions").

The trainer runs the exported graph over the shipped test images once and keeps, per image, the
probability of every class and the predicted class; the app reads them to show the test images
behind every confusion-matrix cell without running the model over 10,000 pictures. Compact:
float16 probabilities and uint8 classes, each compressed with zlib and written as base64
(about 200 kB per model). The entry names the test images it belongs to by a fingerprint of
them, so predictions are never shown beside other pictures. Plain Python + NumPy, no Qt.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import zlib
from collections.abc import Mapping
from dataclasses import dataclass

from desktop.lazy_imports import np
from desktop.model_format import ModelError

REPORT_FIELD = "test_predictions"
ENCODING = "float16-zlib-base64"
MAX_IMAGES = 100_000
MAX_CLASSES = 256  # predicted classes are stored as uint8


def fingerprint(images: np.ndarray, labels: np.ndarray) -> str:
    """Which test images (and labels) a set of predictions belongs to: a SHA-256 of both."""
    digest = hashlib.sha256(np.ascontiguousarray(images, dtype=np.uint8).tobytes())
    digest.update(np.ascontiguousarray(labels, dtype=np.uint8).tobytes())
    return digest.hexdigest()


@dataclass(frozen=True, eq=False)  # holds arrays: compare by identity
class TestPredictions:
    """Decoded and checked: what the model answered for test images 0..count-1."""

    __test__ = False  # not a pytest test class

    dataset: str
    probabilities: np.ndarray  # (count, classes) float32, each row sums to about 1
    predicted: np.ndarray  # (count,) int64: the class the model chose (argmax of float32)
    fingerprint: str  # of test images 0..count-1 and their labels

    @property
    def count(self) -> int:
        return len(self.predicted)


@dataclass(frozen=True)
class StoredPredictions:
    """The report entry as stored (still encoded); decode() checks and unpacks it. Decoding
    waits until the error browser needs it, so reading a report stays fast."""

    dataset: str
    count: int
    classes: int
    encoding: str
    probabilities: str  # base64 of zlib of float16 little-endian (count, classes)
    predicted: str  # base64 of zlib of uint8 (count,)
    fingerprint: str

    @classmethod
    def from_dict(cls, entry: object, source: object = "the training report") \
            -> StoredPredictions:
        """The entry's fields with their types checked; ModelError saying what is wrong."""
        if not isinstance(entry, Mapping):
            raise ModelError(f"{source}: its test predictions are not a JSON object.")
        text_fields = ("dataset", "encoding", "probabilities", "predicted", "fingerprint")
        values = {key: entry.get(key) for key in (*text_fields, "count", "classes")}
        if not all(isinstance(values[key], str) for key in text_fields):
            raise ModelError(f"{source}: its test predictions lack a field or hold a wrong type.")
        for key, limit in (("count", MAX_IMAGES), ("classes", MAX_CLASSES)):
            value = values[key]
            if not (isinstance(value, int) and not isinstance(value, bool) and 1 <= value
                    <= limit):
                raise ModelError(f"{source}: its test predictions' {key} is {value!r}, "
                                 f"expected a whole number from 1 to {limit}.")
        return cls(**values)

    def to_dict(self) -> dict:
        return {"dataset": self.dataset, "count": self.count, "classes": self.classes,
                "encoding": self.encoding, "fingerprint": self.fingerprint,
                "probabilities": self.probabilities, "predicted": self.predicted}

    @classmethod
    def encode(cls, dataset: str, probabilities: np.ndarray, predicted: np.ndarray,
               images_fingerprint: str) -> StoredPredictions:
        """Pack a model's answers (probabilities (N, C) and predicted classes (N,))."""
        probabilities = np.asarray(probabilities, dtype="<f2")
        predicted = np.asarray(predicted)
        count, classes = probabilities.shape
        if predicted.shape != (count,) or not 1 <= classes <= MAX_CLASSES:
            raise ValueError(f"{count} x {classes} probabilities with {predicted.shape} classes")
        return cls(dataset, count, classes, ENCODING, _pack(probabilities.tobytes()),
                   _pack(predicted.astype(np.uint8).tobytes()), images_fingerprint)

    def decode(self) -> TestPredictions:
        """The arrays, checked (sizes, finite values in 0..1, classes in range); ModelError
        with a one-line reason when the entry is damaged or of an unknown encoding."""
        if self.encoding != ENCODING:
            raise ModelError(f"the stored test predictions use the encoding "
                             f"{self.encoding!r}; this app reads {ENCODING!r}.")
        size = self.count * self.classes
        raw = _unpack(self.probabilities, 2 * size, "probabilities")
        probabilities = np.frombuffer(raw, dtype="<f2").astype(np.float32)
        probabilities = probabilities.reshape(self.count, self.classes)
        predicted = np.frombuffer(_unpack(self.predicted, self.count, "classes"), np.uint8)
        if not (np.isfinite(probabilities).all() and probabilities.min() >= 0
                and probabilities.max() <= 1):
            raise ModelError("the stored test predictions are damaged: probabilities outside "
                             "0..1.")
        if predicted.max() >= self.classes:
            raise ModelError("the stored test predictions are damaged: a class out of range.")
        return TestPredictions(self.dataset, probabilities, predicted.astype(np.int64),
                               self.fingerprint)


def _pack(data: bytes) -> str:
    return base64.b64encode(zlib.compress(data, 9)).decode("ascii")


def _unpack(text: str, size: int, what: str) -> bytes:
    """Exactly `size` bytes from base64 + zlib, never decompressing more than that."""
    try:
        packed = base64.b64decode(text.encode("ascii"), validate=True)
        inflater = zlib.decompressobj()
        data = inflater.decompress(packed, size + 1)
    except (binascii.Error, UnicodeEncodeError, zlib.error) as exc:
        raise ModelError(f"the stored test predictions are damaged ({what}: {exc}).") from None
    if len(data) != size or not inflater.eof:
        raise ModelError(f"the stored test predictions are damaged ({what}: "
                         f"{len(data):,} bytes or more, expected {size:,}).")
    return data
