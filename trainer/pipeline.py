"""One model from data to shipped artifacts: load, train, test, export, verify, write."""

from __future__ import annotations

import logging
from datetime import datetime, timezone

import numpy as np
import torch

from desktop.model_format import Dataset, ModelMetadata
from desktop.training_report import TrainingReport
from trainer import calibration, export, half_precision, metrics, test_predictions, testhook
from trainer.data import DATASETS, Splits, binary_split, cut_class, default_data_dir, load_splits
from trainer.distributed import Context
from trainer.evaluation import evaluate, to_input
from trainer.mixed_data import add_extras
from trainer.models import describe, parameter_count
from trainer.options import RunOptions
from trainer.presets import PRESETS
from trainer.progress import Progress
from trainer.settings import DEFAULT_DROPOUT, DEFAULTS, Target
from trainer.train import TrainConfig, train

log = logging.getLogger(__name__)


def make_config(target: Target, options: RunOptions) -> TrainConfig:
    dataset, architecture = target.dataset, target.architecture
    settings = dict(DEFAULTS[(dataset, architecture)])
    if target.preset:
        settings.update(PRESETS[target.preset].settings)
    for name in ("epochs", "batch_size", "lr", "dropout"):
        if getattr(options, name) is not None:
            settings[name] = getattr(options, name)
    augment = settings.pop("augment", True) and options.augment
    # Binary models learn their question alone: no extra pictures, no "none of these" output.
    extra_data = settings.pop("extra_data", True) and options.extra_data and not target.task
    # Record the dropout really used (not None), so the stored config says it.
    settings.setdefault("dropout", DEFAULT_DROPOUT[architecture])
    cut_class, kept = target.imbalance or (None, 1.0)
    return TrainConfig(
        dataset=dataset, architecture=architecture, seed=options.seed, patience=options.patience,
        label_smoothing=options.label_smoothing,
        val_size=options.val_size, limit=options.limit, class_weights=target.class_weights,
        augment=augment, extra_data=extra_data, task=target.task, imbalance_class=cut_class,
        imbalance_fraction=kept, preset=target.preset, **settings)


def load_data(config: TrainConfig, options: RunOptions) -> Splits:
    """The splits of one run: the dataset, the extra pictures, one class cut down in training
    (from every source) and the labels of a binary task."""
    spec, data_dir = DATASETS[config.dataset], options.data_dir or default_data_dir()
    splits = load_splits(spec, data_dir, config.val_size, config.seed, config.limit)
    if config.extra_data:
        fraction = 1.0 if config.limit is None else min(1.0, config.limit / 50_000)
        splits = add_extras(splits, spec, data_dir, config.seed, options.extra_data_cache,
                            fraction)
    if config.imbalance_class is not None:
        before = int((splits.train.labels == config.imbalance_class).sum())
        train = cut_class(splits.train, config.imbalance_class, config.imbalance_fraction,
                          config.seed)
        after = int((train.labels == config.imbalance_class).sum())
        log.debug(f"imbalance: kept {after:,} of {before:,} training images of class "
                  f"{spec.classes[config.imbalance_class]}")
        splits = Splits(train, splits.val, splits.test)
    task = config.binary_task
    if task is not None:
        splits = Splits(*(binary_split(split, task.positive)
                          for split in (splits.train, splits.val, splits.test)))
    log.debug(f"data: {len(splits.train)} training, {len(splits.val)} validation, "
              f"{len(splits.test)} test images from {data_dir}")
    return splits


def run(target: Target, options: RunOptions, context: Context,
        progress: Progress | None = None) -> dict | None:
    """Returns a one-line summary on the main process, None on the others. `progress` gets
    the run's events (`--progress json`) and may ask training to stop early."""
    progress = progress or Progress()
    config = make_config(target, options)
    spec = DATASETS[config.dataset]
    where = f"{context.device}" + (f" x {context.world_size} processes"
                                   if context.distributed else "")
    log.info(f"== {config.model_id} on {where}: up to {config.epochs} epochs, batch "
             f"{config.batch_size}, lr {config.lr}")
    testhook.phase("data")
    progress.phase("data")
    splits = load_data(config, options)
    checkpoint = options.checkpoints / config.model_id / "checkpoint.pt"
    result = train(config, splits, context, checkpoint, resume=options.resume,
                   progress=progress)

    progress.phase("test")
    test = evaluate(result.model, splits.test, result.mean, result.std, context, config.classes)
    if not context.is_main:
        context.barrier()  # wait while the main process exports and writes
        return None
    matrix, accuracy, test_loss = test.confusion, test.accuracy, test.loss
    per_class = metrics.per_class_report(matrix, list(config.class_names))
    model = result.model.cpu().to(memory_format=torch.contiguous_format)
    params = parameter_count(model)
    progress.phase("calibrate")
    confidence = calibrate(model, splits, result.mean, result.std, config.classes)
    log.debug(f"calibration: temperature {confidence['calibration']['temperature']:.3f}, "
              f"test ECE {confidence['calibration']['test_ece_before']:.4f} -> "
              f"{confidence['calibration']['test_ece_after']:.4f}")
    if "rejection" in confidence:
        rejection = confidence["rejection"]
        log.debug(f"'none of these' above {rejection['threshold']:.3f}: rejects "
                  f"{rejection['val_real_rejected']:.2%} of real validation pictures, "
                  f"{rejection['val_others_rejected']:.2%} of the others, "
                  f"{rejection['test_rejected']:.2%} of the test set")

    metadata = model_metadata(config, spec, model, result.mean, result.std, accuracy, confidence)
    testhook.phase("export")
    progress.phase("export")
    wrapped = export.WithSoftmax(model, config.classes,
                                 confidence["calibration"]["temperature"])
    onnx_bytes = export.to_onnx_bytes(wrapped, metadata)
    parity_images = to_input(splits.test.images[:256], result.mean, result.std)
    testhook.phase("parity")
    worst = export.check_parity(wrapped, onnx_bytes, parity_images)
    log.debug(f"ONNX Runtime matches PyTorch (max difference {worst:.1e})")
    full, onnx_bytes = onnx_bytes, half_precision.store_half(onnx_bytes)
    worst = half_precision.check_close(full, onnx_bytes, parity_images.numpy())
    log.debug(f"float16 weights: {len(full):,} -> {len(onnx_bytes):,} bytes, answers within "
              f"{worst:.1e}")

    report = TrainingReport.from_dict({
        "model_id": config.model_id,
        "dataset": config.dataset,
        "architecture": config.architecture,
        "classes": list(config.class_names),
        "test_accuracy": accuracy,
        "test_loss": test_loss,
        "test_size": len(splits.test),
        "confusion_matrix": matrix.tolist(),
        "per_class": per_class,
        "macro_avg": metrics.macro_average(per_class),
        "history": result.history,
        "best_epoch": result.best_epoch,
        "params": params,
        "train_seconds": result.train_seconds,
        "onnx_bytes": len(onnx_bytes),
        # What the exported graph answers on each test image, for the app's error browser.
        "test_predictions": test_predictions.predictions_entry(
            onnx_bytes, config.dataset, splits.test.images.numpy(),
            splits.test.labels.numpy()),
        **confidence,
        "normalization": {"mean": result.mean, "std": result.std},
        "config": config.__dict__,
        "device": str(context.device),
        "processes": context.world_size,
        "torch_version": torch.__version__,
        "trained_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }, f"the training report of {config.model_id}")
    # A near tie that the graph breaks otherwise than PyTorch: the report counts as the app does.
    report = test_predictions.scored_as_stored(report, splits.test.labels.numpy())
    accuracy = report.test_accuracy
    out = options.out_dir / config.model_id
    export.write_artifacts(out, onnx_bytes, report)
    context.barrier()
    log.info(f"== {config.model_id}: test accuracy {accuracy:.2%}, loss {test_loss:.4f}, "
             f"{params:,} parameters, {result.train_seconds:.0f}s training -> {out}")
    return {"model_id": config.model_id, "test_accuracy": accuracy, "params": params,
            "train_seconds": round(result.train_seconds, 1), "path": str(out),
            "stopped": result.stopped}


def model_metadata(config: TrainConfig, spec: Dataset, model: torch.nn.Module, mean: float,
                   std: float, accuracy: float, confidence: dict) -> ModelMetadata:
    """What the app reads from the model file's metadata (desktop.model_format)."""
    rejection, task, summary = confidence.get("rejection"), config.binary_task, describe(model)
    what = f"classifier, {config.architecture} architecture"
    if task is not None:
        kind = ("logistic regression" if config.architecture == "linear"
                else f"{config.architecture} architecture with one logit")
        summary = f"{kind} (sigmoid output, binary cross-entropy): {summary}"
        what = f"'{task.question}' {kind} (sigmoid output, binary cross-entropy)"
    variant = f", {config.variant}" if config.variant else ""
    return ModelMetadata(
        model_id=config.model_id, dataset=spec.key, dataset_title=spec.title,
        architecture=config.architecture, classes=config.class_names, mean=mean, std=std,
        recipe=spec.recipe, params=parameter_count(model), test_accuracy=accuracy,
        summary=summary,
        description=f"{spec.title} ({spec.torchvision_name}) {what}{variant}, trained with "
                    f"{torch.__version__}",
        temperature=confidence["calibration"]["temperature"],
        reject_threshold=rejection["threshold"] if rejection else None, task=task,
        variant=config.variant)


# Real pictures the model may wrongly call "none of these": at most this share of validation.
MAX_FALSE_REJECTION = 0.005


@torch.no_grad()
def _logits(model: torch.nn.Module, images: torch.Tensor, mean: float, std: float) -> np.ndarray:
    model.eval()
    parts = [model(to_input(images[i:i + 1000], mean, std)).float().numpy()
             for i in range(0, len(images), 1000)]
    return np.concatenate(parts) if parts else np.zeros((0, 1), np.float32)


def calibrate(model: torch.nn.Module, splits, mean: float, std: float, classes: int) -> dict:
    """Fit the temperature on validation data and, for models with a "none of these" output,
    the rejection threshold; measure both on the test set."""
    val_logits = _logits(model, splits.val.images, mean, std)
    test_logits = _logits(model, splits.test.images, mean, std)
    val_labels, test_labels = splits.val.labels.numpy(), splits.test.labels.numpy()
    real = val_labels < classes
    temperature = calibration.fit_temperature(val_logits[real, :classes], val_labels[real])
    before = calibration.softmax(test_logits[:, :classes])
    after = calibration.softmax(test_logits[:, :classes], temperature)
    report = {"calibration": {
        "temperature": temperature,
        "test_ece_before": calibration.expected_calibration_error(before, test_labels),
        "test_ece_after": calibration.expected_calibration_error(after, test_labels),
        "reliability": calibration.reliability(after, test_labels),
    }}
    if val_logits.shape[1] == classes + 1:
        val_outlier = calibration.softmax(val_logits)[:, classes]
        test_outlier = calibration.softmax(test_logits)[:, classes]
        threshold = calibration.rejection_threshold(val_outlier[real], MAX_FALSE_REJECTION)
        report["rejection"] = {
            "threshold": threshold,
            "val_real_rejected": float((val_outlier[real] > threshold).mean()),
            "val_others_rejected": float((val_outlier[~real] > threshold).mean())
            if (~real).any() else 0.0,
            "test_rejected": float((test_outlier > threshold).mean()),
            "sweep": calibration.rejection_sweep(val_outlier[real], val_outlier[~real]),
        }
    return report
