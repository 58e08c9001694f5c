"""Follows keras-team/keras-io, examples/nlp/text_classification_with_transformer.py (commit 1909c6710cd3f5af6401f1176dcee9e26781b4f3):
a Transformer block (MultiHeadAttention, feed-forward Sequential, LayerNormalization, Dropout) and a
token-plus-position Embedding layer written as Keras layers, classifying IMDB reviews.
Written for tapejax's compat suite (not a copy of the example's code). Changes: keras.datasets.imdb
is replaced by _synthetic.imdb (the same object arrays of int lists and int64 labels); sizes shrunk
(200/64 reviews, vocab_size 600, maxlen 80, 2 epochs as in the example).

Covers: `import keras`, `from keras import ops, layers`; layers.Layer subclasses holding
MultiHeadAttention(num_heads, key_dim), a keras.Sequential of Dense layers, LayerNormalization(
epsilon=1e-6) and Dropout; ops.shape / ops.arange; two Embedding layers added; keras.utils.
pad_sequences(maxlen); layers.Input(shape=(maxlen,)); GlobalAveragePooling1D; Dense softmax;
compile with sparse_categorical_crossentropy / accuracy; fit with validation_data.
"""

import keras
from keras import ops
from keras import layers

from compat_tests.programs import _synthetic


class TransformerBlock(layers.Layer):
    def __init__(self, embed_dim, num_heads, ff_dim, rate=0.1):
        super().__init__()
        self.att = layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
        self.ffn = keras.Sequential([layers.Dense(ff_dim, activation="relu"), layers.Dense(embed_dim)])
        self.layernorm1 = layers.LayerNormalization(epsilon=1e-6)
        self.layernorm2 = layers.LayerNormalization(epsilon=1e-6)
        self.dropout1 = layers.Dropout(rate)
        self.dropout2 = layers.Dropout(rate)

    def call(self, inputs):
        attended = self.dropout1(self.att(inputs, inputs))
        first = self.layernorm1(inputs + attended)
        fed = self.dropout2(self.ffn(first))
        return self.layernorm2(first + fed)


class TokenAndPositionEmbedding(layers.Layer):
    def __init__(self, maxlen, vocab_size, embed_dim):
        super().__init__()
        self.token_emb = layers.Embedding(input_dim=vocab_size, output_dim=embed_dim)
        self.pos_emb = layers.Embedding(input_dim=maxlen, output_dim=embed_dim)

    def call(self, x):
        maxlen = ops.shape(x)[-1]
        positions = self.pos_emb(ops.arange(start=0, stop=maxlen, step=1))
        return self.token_emb(x) + positions


vocab_size = 600
maxlen = 80
(x_train, y_train), (x_val, y_val) = _synthetic.imdb.load_data(num_words=vocab_size)
print(len(x_train), "Training sequences")
print(len(x_val), "Validation sequences")
x_train = keras.utils.pad_sequences(x_train, maxlen=maxlen)
x_val = keras.utils.pad_sequences(x_val, maxlen=maxlen)

embed_dim = 32
num_heads = 2
ff_dim = 32

inputs = layers.Input(shape=(maxlen,))
embedding_layer = TokenAndPositionEmbedding(maxlen, vocab_size, embed_dim)
x = embedding_layer(inputs)
transformer_block = TransformerBlock(embed_dim, num_heads, ff_dim)
x = transformer_block(x)
x = layers.GlobalAveragePooling1D()(x)
x = layers.Dropout(0.1)(x)
x = layers.Dense(20, activation="relu")(x)
x = layers.Dropout(0.1)(x)
outputs = layers.Dense(2, activation="softmax")(x)
model = keras.Model(inputs=inputs, outputs=outputs)

model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
history = model.fit(x_train, y_train, batch_size=32, epochs=2, validation_data=(x_val, y_val))

COMPAT_RESULTS = {
    "padded_train": x_train, "padded_val_dtype": str(x_val.dtype),
    "params": model.count_params(), "history_keys": sorted(history.history),
    "val_accuracy": history.history["val_accuracy"][-1], "loss": history.history["loss"],
}
# pad_sequences is deterministic (compared exactly); the model starts from random weights, so the
# training outcome is compared with bounds (two epochs on the synthetic reviews reach 0.6-1.0).
COMPAT_COMPARE = {"val_accuracy": {"above": 0.55}, "loss": {"below": 1.0}}
