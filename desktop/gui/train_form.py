"""The Train panel's form (objectName "trainForm"): dataset, architecture and the training
settings, in two columns of label and field so that it fits beside the canvas.

Numbers are typed, not spun: a blank field means the trainer's default for the model (shown
as placeholder text), and desktop.train_runs checks what was typed and names every bad field,
which the form then outlines.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from desktop.model_format import ARCHITECTURE_TITLES, ARCHITECTURES, DATASETS
from desktop.train_runs import QUICK_SHOWN, TrainForm

# field name, label, placeholder, tooltip
NUMBER_FIELDS = (
    ("epochs", "Epochs", "default", "How many times training goes through the training set."),
    ("batch_size", "Batch size", "default", "Images per optimisation step."),
    ("learning_rate", "Learning rate", "default", "The peak learning rate, e.g. 0.003."),
    ("dropout", "Dropout", "default", "The share of units switched off while training (0 to "
                                      "below 1): more of it fights over-fitting."),
    ("label_smoothing", "Label smoothing", "default", "Aim a little below 100 % for the true "
                                                      "class (0 to 0.5; the trainer's default "
                                                      "is 0.05, 0: none)."),
    ("val_size", "Validation size", "10000", "Training images held out to pick the best epoch."),
    ("seed", "Seed", "0", "Another seed: another split, other first weights."),
    ("limit", "Training images", "all", "Train on only this many images, for a quick try."),
)
INVALID_STYLE = "QLineEdit, QComboBox { border: 1px solid #d0342c; }"


class TrainFormWidget(QWidget):
    """The form; `form()` reads it into a TrainForm."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="trainForm")
        self.dataset = QComboBox(objectName="trainDataset")
        for key, dataset in DATASETS.items():
            self.dataset.addItem(dataset.title, key)
        self.architecture = QComboBox(objectName="trainArchitecture")
        for key in ARCHITECTURES:
            self.architecture.addItem(ARCHITECTURE_TITLES[key], key)
        self.architecture.setCurrentIndex(ARCHITECTURES.index("cnn"))
        self.quick = QCheckBox("Quick preset", objectName="trainQuick")
        self.quick.setToolTip("LeNet-5 on the digits alone for 3 epochs: about 99 % on the "
                              "test set in well under a minute. The fields it sets are greyed "
                              "out.")
        self.fields: dict[str, QLineEdit] = {}
        self.augment = QCheckBox("Augmentation", objectName="trainAugment", checked=True)
        self.augment.setToolTip("Train on randomly shifted, turned and scaled copies.")
        self.class_weights = QCheckBox("Class weights", objectName="trainClassWeights")
        self.class_weights.setToolTip("Weight the loss by inverse class frequency (helps a "
                                      "class that is rare in the training set).")
        self.extra_data = QCheckBox("Extra pictures", objectName="trainExtraData", checked=True)
        self.extra_data.setToolTip("Also train on generated handwriting and 'none of these' "
                                   "pictures (off: the dataset alone).")
        self.imbalance_class = QComboBox(objectName="trainImbalanceClass")
        self.imbalance_class.setToolTip("Cut one class down to a share of its training images.")
        self.imbalance_fraction = QLineEdit(objectName="trainImbalanceFraction",
                                            placeholderText="e.g. 0.05")
        self.imbalance_fraction.setToolTip("The share of the class's training images kept "
                                           "(above 0, at most 1).")
        self.imbalance_fraction.setMaximumWidth(90)
        self._labels: dict[str, QLabel] = {}
        self._layout()
        self._fill_classes()
        self.dataset.currentIndexChanged.connect(self._fill_classes)
        self.quick.toggled.connect(self._sync_enabled)
        self.imbalance_class.currentIndexChanged.connect(self._sync_enabled)
        self._sync_enabled()

    def _layout(self) -> None:
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(4)
        rows = [("Dataset", self.dataset), ("Architecture", self.architecture)]
        for name, label, placeholder, tip in NUMBER_FIELDS:
            edit = QLineEdit(objectName=f"train_{name}", placeholderText=placeholder)
            edit.setToolTip(tip)
            edit.textChanged.connect(self.changed)
            self.fields[name] = edit
            rows.append((label, edit))
        for index, (label, widget) in enumerate(rows):
            row, column = divmod(index, 2)
            caption = QLabel(label)
            caption.setBuddy(widget)
            self._labels[label] = caption
            grid.addWidget(caption, row, column * 2)
            grid.addWidget(widget, row, column * 2 + 1)
        row = (len(rows) + 1) // 2
        grid.addWidget(QLabel("Imbalance"), row, 0)
        imbalance = QWidget()
        line = QGridLayout(imbalance)
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(self.imbalance_class, 0, 0)
        line.addWidget(self.imbalance_fraction, 0, 1)
        grid.addWidget(imbalance, row, 1, 1, 3)
        checks = QWidget()
        boxes = QGridLayout(checks)
        boxes.setContentsMargins(0, 0, 0, 0)
        for column, box in enumerate((self.quick, self.augment, self.class_weights,
                                      self.extra_data)):
            boxes.addWidget(box, column // 2, column % 2)
        grid.addWidget(checks, row + 1, 0, 1, 4)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)

    def _fill_classes(self) -> None:
        chosen = self.imbalance_class.currentIndex()
        self.imbalance_class.clear()
        self.imbalance_class.addItem("none: every class as it is", None)
        for index, name in enumerate(DATASETS[self.dataset.currentData()].classes):
            self.imbalance_class.addItem(f"cut class {name}", index)
        self.imbalance_class.setCurrentIndex(max(0, chosen))

    def _show_preset(self) -> None:
        """The greyed-out fields show what the quick preset chooses."""
        shown = QUICK_SHOWN
        self.dataset.setCurrentIndex(self.dataset.findData(shown["dataset"]))
        self.architecture.setCurrentIndex(self.architecture.findData(shown["architecture"]))
        self.fields["epochs"].setText(shown["epochs"])
        for name in ("batch_size", "learning_rate", "dropout"):
            self.fields[name].clear()
        self.augment.setChecked(shown["augment"])
        self.extra_data.setChecked(shown["extra_data"])
        self.imbalance_class.setCurrentIndex(0)

    def _sync_enabled(self) -> None:
        """The quick preset sets the dataset, the architecture and the numbers itself."""
        quick = self.quick.isChecked()
        if quick:
            self._show_preset()
        for widget in (self.dataset, self.architecture, self.augment, self.extra_data,
                       self.imbalance_class,
                       *(self.fields[n] for n in ("epochs", "batch_size", "learning_rate",
                                                  "dropout"))):
            widget.setEnabled(not quick)
        self.imbalance_fraction.setEnabled(
            not quick and self.imbalance_class.currentData() is not None)
        self.changed.emit()

    def form(self) -> TrainForm:
        return TrainForm(
            dataset=self.dataset.currentData(), architecture=self.architecture.currentData(),
            augment=self.augment.isChecked(), class_weights=self.class_weights.isChecked(),
            imbalance_class=self.imbalance_class.currentData(),
            imbalance_fraction=self.imbalance_fraction.text(),
            extra_data=self.extra_data.isChecked(), quick=self.quick.isChecked(),
            **{name: edit.text() for name, edit in self.fields.items()})

    def mark_problems(self, fields: set[str]) -> None:
        """Outline the fields desktop.train_runs found wrong (and only those)."""
        widgets = {**self.fields, "imbalance_class": self.imbalance_class,
                   "imbalance_fraction": self.imbalance_fraction,
                   "dataset": self.dataset, "architecture": self.architecture}
        for name, widget in widgets.items():
            widget.setStyleSheet(INVALID_STYLE if name in fields else "")

    def set_values(self, **values: str) -> None:
        """Fill number fields by name (tests, screenshots): set_values(epochs="2")."""
        for name, value in values.items():
            self.fields[name].setText(value)
