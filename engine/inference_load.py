"""Load a trained model for answering people without tracing its training step first.

Rasa 3.6's `RasaModel.load` (DIET, TED) builds the model's weights by training it on one
example (`model.fit`), then overwrites them with the trained ones. Tracing that training
step (gradients, the optimizer) is most of the engine's start and of every model swap:
about 25 of the 35 seconds on two cores (docs/benchmarks.md). A model that only answers
needs the weights inference reads, so here they are built by one eager prediction instead,
the trained weights are read over them, and the prediction graph is traced once, as Rasa
does. Measured on the held-out messages: 73 s to load with Rasa's path against 5 s here
(a busy two-core machine). The label embeddings DIET caches before predicting are computed
again from the loaded weights.

The prediction step is traced without autograph: autograph rewrites the Python source of
every layer into graph code (most of the remaining load), and DIET's prediction branches
only on its configuration, never on a tensor, so the trace is the same graph.

Fine-tuning (the learner, `finetune_mode`) needs the optimizer and keeps Rasa's own path,
and so does a model given no prediction example, or one not in VERIFIED.
tests/ops/test_inference_load.py checks that both loads answer every held-out message
identically: the ranking with every confidence, and the entities.
"""

from __future__ import annotations

from typing import Any

import tensorflow as tf
from rasa.utils import train_utils
from rasa.utils.tensorflow.constants import LEARNING_RATE, RUN_EAGERLY
from rasa.utils.tensorflow.model_data import RasaModelData
from rasa.utils.tensorflow.models import RasaModel

_rasa_load = RasaModel.load.__func__  # type: ignore[attr-defined]
# The models whose answers tests/ops/test_inference_load.py compares with Rasa's own load:
# DIET, the only one our pipeline has (TED, say, keeps Rasa's load until it is compared).
VERIFIED = frozenset({"DIET"})


def _load_for_inference(
    cls: type[RasaModel],
    model_file_name: str,
    model_data_example: RasaModelData,
    predict_data_example: RasaModelData | None = None,
    finetune_mode: bool = False,
    *args: Any,
    **kwargs: Any,
) -> RasaModel:
    if finetune_mode or not predict_data_example or cls.__name__ not in VERIFIED:
        return _rasa_load(  # type: ignore[no-any-return]
            cls, model_file_name, model_data_example, predict_data_example, finetune_mode,
            *args, **kwargs,
        )  # fmt: skip
    model = cls(*args, **kwargs)
    config = kwargs.get("config", {})
    model.compile(
        optimizer=tf.keras.optimizers.Adam(config.get(LEARNING_RATE, 0.001)),
        run_eagerly=config.get(RUN_EAGERLY),
    )
    generator, _ = train_utils.create_data_generators(
        model_data=predict_data_example, batch_sizes=1, epochs=1, shuffle=False
    )
    batch = next(iter(generator))[0]
    model._training = False
    model.prepare_for_predict()
    model.predict_step(batch)  # eagerly: creates every weight a prediction reads
    # The checkpoint also holds the optimizer's slots, which an answering model never makes.
    model.load_weights(model_file_name).expect_partial()
    model.prepared_for_prediction = False  # cached label embeddings: from the loaded weights
    # Traced as written: the prediction step branches only on the model's configuration,
    # which autograph's rewriting of the Python source (most of the trace) doesn't need.
    model.predict_step = tf.autograph.experimental.do_not_convert(model.predict_step)
    model.run_inference(predict_data_example)  # traces the prediction graph, as Rasa does
    return model


def load_for_inference() -> None:
    """Make `RasaModel.load` (DIET's, TED's) skip the training step when it may."""
    RasaModel.load = classmethod(_load_for_inference)  # type: ignore[method-assign,assignment]
