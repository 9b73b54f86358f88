"""DIET's network loaded for predictions without a training step first.

Rasa builds a network's weights by training it on one example before it loads the saved
ones (``RasaModel.load``). That traces the whole training graph — gradients, loss,
optimizer — and was most of the assistant's start-up: about 25 of DIET's 29 seconds. Here
the saved weights are restored while a prediction on one example creates them
(TensorFlow's deferred restoration). Unless that prediction restored every saved value,
Rasa's own way is taken instead, so the result is the same network either way
(``tests/test_flat_diet.py`` compares the predictions). Fine-tuning (``rasa train
--finetune``) always takes Rasa's way.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa.nlu.classifiers.diet_classifier import DIET
from rasa.utils.tensorflow.model_data import RasaModelData
from rasa.utils.tensorflow.models import RasaModel

logger = logging.getLogger(__name__)


class QuickLoad(RasaModel):
    """Mixin for a Rasa network class: ``load`` restores weights while predicting."""

    # Predict op by op instead of tracing a graph first: tracing DIET's prediction took
    # ~10 s at every start, and one message at a time gains nothing from a graph.
    predict_eagerly = True

    @classmethod
    def load(  # type: ignore[override]
        cls,
        model_file_name: str,
        model_data_example: RasaModelData,
        predict_data_example: RasaModelData | None = None,
        finetune_mode: bool = False,
        *args: Any,
        **kwargs: Any,
    ) -> RasaModel:
        if not finetune_mode and predict_data_example is not None:
            model = cls(*args, **kwargs)
            model.run_eagerly = cls.predict_eagerly
            status = model.load_weights(model_file_name)
            model.run_inference(predict_data_example)
            try:
                # every saved value found its weight: nothing is left to restore later,
                # when the archive's temporary folder is gone
                status.assert_consumed()
            except AssertionError:
                logger.warning("%s: quick load incomplete, loading the usual way", cls.__name__)
            else:
                return model
        return super().load(model_file_name, model_data_example, predict_data_example,
                            finetune_mode, *args, **kwargs)


class QuickLoadingDIET(QuickLoad, DIET):
    """DIET's network (for :class:`jmd.nlu.flat_diet.FlatDIETClassifier`).

    (TED takes ``run_eagerly: true`` in config.yml instead: on the small dialogue data,
    training and loading op by op is as fast, and its network creates some weights only
    for later inputs, which this way cannot restore.)"""
