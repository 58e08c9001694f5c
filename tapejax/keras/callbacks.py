"""`tf.keras.callbacks`: hooks that `Model.fit`/`evaluate`/`predict` call, as Keras 3 does.

Every hook gets its `logs` through `CallbackList`, which turns them into a new dict of Python
floats with sorted keys (Keras 3's `pythonify_logs`), so a callback that adds a key (e.g.
`LearningRateScheduler`'s `'learning_rate'`) shows it to the callbacks after it, `History` included.
"""

from tapejax.keras._callbacks import (
    Callback,
    CallbackList,
    CSVLogger,
    EarlyStopping,
    History,
    LambdaCallback,
    LearningRateScheduler,
    ModelCheckpoint,
    ProgbarLogger,
    ReduceLROnPlateau,
    TensorBoard,
    TerminateOnNaN,
)

__all__ = ["CSVLogger", "Callback", "CallbackList", "EarlyStopping", "History", "LambdaCallback",
           "LearningRateScheduler", "ModelCheckpoint", "ProgbarLogger", "ReduceLROnPlateau", "TensorBoard",
           "TerminateOnNaN"]
