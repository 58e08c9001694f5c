"""Synthetic stand-ins for the datasets public programs download, with the same shapes and dtypes.

Every array comes from a fixed NumPy seed, so both backends see the same bytes. Image datasets are
learnable: each class has a fixed random template, and an example is its class template blended with
noise, so a short training run reaches a clear accuracy on both backends. Sizes are small (a few
hundred examples) so programs run in seconds. Each object mimics the `tf.keras.datasets.<name>`
module a program calls `load_data()` on.
"""

from __future__ import annotations

import numpy as np


class _ImageDataset:
    def __init__(self, name, image_shape, classes, train, test, label_shape=(), seed=0):
        self.name, self.image_shape, self.classes = name, image_shape, classes
        self.train, self.test, self.label_shape, self.seed = train, test, label_shape, seed

    def _split(self, rng, templates, n):
        labels = rng.integers(0, self.classes, size=n)
        noise = rng.integers(0, 256, size=(n, *self.image_shape))
        images = (0.8 * templates[labels] + 0.2 * noise).astype("uint8")
        return images, labels.astype("uint8").reshape((n, *self.label_shape))

    def load_data(self, *args, **kwargs):
        """((x_train, y_train), (x_test, y_test)) as the Keras dataset returns them (uint8)."""
        rng = np.random.default_rng(self.seed)
        templates = rng.integers(0, 256, size=(self.classes, *self.image_shape))
        return self._split(rng, templates, self.train), self._split(rng, templates, self.test)


mnist = _ImageDataset("mnist", (28, 28), 10, train=256, test=64)
fashion_mnist = _ImageDataset("fashion_mnist", (28, 28), 10, train=256, test=64, seed=1)
cifar10 = _ImageDataset("cifar10", (32, 32, 3), 10, train=128, test=32, label_shape=(1,), seed=2)


def auto_mpg(n=120, seed=3):
    """The Auto MPG table's numeric columns (float64) as a dict of columns, MPG a noisy linear target."""
    rng = np.random.default_rng(seed)
    cols = {
        "Cylinders": rng.choice([4.0, 6.0, 8.0], size=n),
        "Displacement": rng.uniform(70, 450, size=n),
        "Horsepower": rng.uniform(45, 230, size=n),
        "Weight": rng.uniform(1600, 5100, size=n),
        "Acceleration": rng.uniform(8, 25, size=n),
        "Model Year": rng.integers(70, 83, size=n).astype("float64"),
        "Origin": rng.choice([1.0, 2.0, 3.0], size=n),
    }
    cols["MPG"] = (46.0 - 0.0075 * cols["Weight"] + 0.25 * (cols["Model Year"] - 70)
                   + rng.normal(0, 1.5, size=n))
    return cols


def iris_csv_rows(n=120, seed=4):
    """Rows like the Iris training CSV: four float features and an int label (0, 1, 2)."""
    rng = np.random.default_rng(seed)
    centers = np.array([[5.0, 3.4, 1.5, 0.2], [5.9, 2.8, 4.3, 1.3], [6.6, 3.0, 5.6, 2.0]])
    labels = rng.integers(0, 3, size=n)
    features = centers[labels] + rng.normal(0, 0.3, size=(n, 4))
    return features.astype("float32"), labels.astype("int64")


def penguins_processed(n=334, seed=5):
    """Like tfds' 'penguins/processed': four float32 features scaled to [0, 1] and int64 species labels."""
    features, labels = iris_csv_rows(n, seed)
    features = (features - features.min(axis=0)) / (features.max(axis=0) - features.min(axis=0))
    return features.astype("float32"), labels


class _SequenceDataset:
    """Like `tf.keras.datasets.imdb`: reviews as object arrays of int lists (1 = start, 2 = out of
    vocabulary, words from 3), labels int64 0/1. Positive reviews draw more often from one band of
    word indices, negative ones from another, so a short run learns the sentiment."""

    def __init__(self, train=200, test=64, vocabulary=600, seed=6):
        self.train, self.test, self.vocabulary, self.seed = train, test, vocabulary, seed

    def _split(self, rng, n, num_words):
        labels = rng.integers(0, 2, size=n)
        reviews = []
        for label in labels:
            length = int(rng.integers(20, 90))
            common = rng.integers(3, self.vocabulary, size=length)
            band = rng.integers(3 + 40 * label, 43 + 40 * label, size=length)
            words = np.where(rng.random(length) < 0.4, band, common)
            if num_words is not None:
                words = np.where(words < num_words, words, 2)
            reviews.append([1] + [int(w) for w in words])
        sequences = np.empty(n, dtype=object)
        sequences[:] = reviews
        return sequences, labels.astype("int64")

    def load_data(self, path="imdb.npz", num_words=None, **kwargs):
        """((x_train, y_train), (x_test, y_test)) as `imdb.load_data(num_words=...)` returns them."""
        rng = np.random.default_rng(self.seed)
        return self._split(rng, self.train, num_words), self._split(rng, self.test, num_words)


imdb = _SequenceDataset()

_NEUTRAL = ("the a movie film this that it was is and of to in story acting plot scene actor "
            "character director time really just watch").split()
_POSITIVE = "great wonderful loved brilliant best superb enjoyable fantastic moving beautiful".split()
_NEGATIVE = "awful boring worst terrible waste dull poor bad stupid mess".split()


def write_review_folders(root, per_class=(48, 16), unsup=4, seed=7):
    """Writes text files laid out like the extracted aclImdb archive under `root` (train/pos,
    train/neg, train/unsup, test/pos, test/neg): short reviews with `<br />` tags, capitals and
    punctuation, positive ones using positive words. Returns `root`."""
    import os

    rng = np.random.default_rng(seed)

    def review(words):
        body = list(rng.choice(_NEUTRAL, size=int(rng.integers(8, 20))))
        body += list(rng.choice(words, size=int(rng.integers(2, 5))))
        rng.shuffle(body)
        body[0] = body[0].capitalize()
        cut = len(body) // 2
        return " ".join(body[:cut]) + ".<br /><br />" + " ".join(body[cut:]) + "!"

    for split, count in zip(("train", "test"), per_class):
        for label, words in (("pos", _POSITIVE), ("neg", _NEGATIVE)):
            folder = os.path.join(root, split, label)
            os.makedirs(folder, exist_ok=True)
            for i in range(count):
                with open(os.path.join(folder, f"{i}_{7 if label == 'pos' else 2}.txt"), "w") as f:
                    f.write(review(words))
    os.makedirs(os.path.join(root, "train", "unsup"), exist_ok=True)
    for i in range(unsup):
        with open(os.path.join(root, "train", "unsup", f"{i}_0.txt"), "w") as f:
            f.write(review(_NEUTRAL))
    return root


def ford_a(train=160, test=64, length=176, seed=8):
    """Like the FordA TSV files: (x, y) per split, x float64 (n, length) z-normalised per series,
    y float64 in {-1, 1} (the file's first column); the classes differ in their dominant frequency."""
    rng = np.random.default_rng(seed)
    t = np.arange(length)

    def split(n):
        y = rng.choice([-1.0, 1.0], size=n)
        freq = np.where(y > 0, 0.05, 0.12)[:, None]
        x = np.sin(2 * np.pi * freq * t + rng.uniform(0, 6.3, size=(n, 1))) + rng.normal(0, 0.6, size=(n, length))
        x = (x - x.mean(axis=1, keepdims=True)) / x.std(axis=1, keepdims=True)
        return x, y

    return split(train), split(test)


def petfinder_mini(n=480, seed=9):
    """The petfinder-mini CSV's columns as a dict of NumPy arrays (strings as object arrays, numbers
    int64), with an AdoptionSpeed (0-4) that depends on the fee, age, vaccination and type."""
    rng = np.random.default_rng(seed)

    def pick(values, p=None):
        return np.asarray(rng.choice(values, size=n, p=p), dtype=object)

    cols = {
        "Type": pick(["Cat", "Dog"]),
        "Age": rng.integers(1, 60, size=n).astype("int64"),
        "Breed1": pick(["Tabby", "Mixed Breed", "Domestic Short Hair", "Domestic Medium Hair",
                        "Siamese", "Persian"]),
        "Gender": pick(["Male", "Female", "Mixed"]),
        "Color1": pick(["Black", "Brown", "Golden", "Cream", "Gray", "White"]),
        "Color2": pick(["White", "No Color", "Brown", "Cream", "Gray"]),
        "MaturitySize": pick(["Small", "Medium", "Large"]),
        "FurLength": pick(["Short", "Medium", "Long"]),
        "Vaccinated": pick(["No", "Yes", "Not Sure"]),
        "Sterilized": pick(["No", "Yes", "Not Sure"]),
        "Health": pick(["Healthy", "Minor Injury"], p=[0.9, 0.1]),
        "Fee": rng.choice([0, 0, 0, 50, 100, 200, 300], size=n).astype("int64"),
        "Description": pick(["Nice pet", "Very playful", "Needs a home"]),
        "PhotoAmt": rng.integers(0, 12, size=n).astype("int64"),
    }
    score = (cols["Fee"] / 100.0 - 2.0 * (cols["Vaccinated"] == "Yes") + 1.5 * (cols["Type"] == "Cat")
             - 0.2 * cols["PhotoAmt"] + rng.normal(0, 0.3, size=n))
    cols["AdoptionSpeed"] = np.where(score > 0.0, 4, rng.integers(0, 4, size=n)).astype("int64")
    return cols

# MNIST-shaped digits whose small test split holds every class (pair-making programs need each one).
mnist_every_class = _ImageDataset("mnist", (28, 28), 10, train=256, test=64, seed=13)


def write_abalone_csv(path, n=160, seed=14):
    """Like abalone_train.csv: no header, seven float measurements and an int Age (last column)
    that grows with the shell weight. Returns `path`."""
    rng = np.random.default_rng(seed)
    length = rng.uniform(0.1, 0.8, size=n)
    cols = [length, 0.8 * length, 0.25 * length] + [rng.uniform(0.01, 1.5, size=n) * length for _ in range(4)]
    age = np.round(3 + 20 * cols[-1] + rng.normal(0, 1, size=n)).astype("int64")
    with open(path, "w") as f:
        for i in range(n):
            f.write(",".join(f"{c[i]:.4f}" for c in cols) + f",{age[i]}\n")
    return path


TITANIC_COLUMNS = ("survived", "sex", "age", "n_siblings_spouses", "parch", "fare", "class", "deck",
                   "embark_town", "alone")


def write_titanic_csv(path, n=120, seed=15):
    """Like the titanic train.csv (header, ten columns: ints, floats and strings, 'unknown' decks);
    survival depends on sex and class. Returns `path`."""
    rng = np.random.default_rng(seed)
    sex = rng.choice(["male", "female"], size=n)
    klass = rng.choice(["First", "Second", "Third"], size=n)
    chance = 0.2 + 0.5 * (sex == "female") + 0.2 * (klass == "First")
    survived = (rng.random(n) < chance).astype("int64")
    siblings, parch = rng.integers(0, 4, size=n), rng.integers(0, 3, size=n)
    rows = zip(survived, sex, rng.integers(1, 70, size=n).astype("float64"), siblings, parch,
               np.round(rng.uniform(5, 150, size=n), 4), klass,
               rng.choice(["unknown", "A", "B", "C"], size=n),
               rng.choice(["Southampton", "Cherbourg", "Queenstown"], size=n),
               np.where(siblings + parch == 0, "y", "n"))
    with open(path, "w") as f:
        f.write(",".join(TITANIC_COLUMNS) + "\n")
        for row in rows:
            f.write(",".join(str(v) for v in row) + "\n")
    return path


def write_traffic_csv_gz(path, n=300, seed=16):
    """Like Metro_Interstate_Traffic_Volume.csv.gz (gzip, header): holiday and weather strings,
    float temperatures, int cloud cover, a date_time string and an int traffic_volume. Returns `path`."""
    import gzip

    rng = np.random.default_rng(seed)
    with gzip.open(path, "wt") as f:
        f.write("holiday,temp,rain_1h,snow_1h,clouds_all,weather_main,weather_description,date_time,"
                "traffic_volume\n")
        for i in range(n):
            weather = rng.choice(["Clouds", "Clear", "Rain"])
            f.write(f"None,{rng.uniform(250, 300):.2f},{rng.uniform(0, 2):.2f},0.0,{rng.integers(0, 100)},"
                    f"{weather},{weather.lower()} sky,2012-10-{2 + i // 24:02d} {i % 24:02d}:00:00,"
                    f"{rng.integers(100, 7000)}\n")
    return path


def write_font_csvs(folder, fonts=("AGENCY", "BAITI", "CALIBRI"), rows=12, side=4, seed=17):
    """Like the UCI fonts archive's CSVs in `folder` (one per font, header): font and fontVariant
    strings, m_label and other int/float columns, then side*side pixel columns r{i}c{j}.
    Returns the paths."""
    import os

    rng = np.random.default_rng(seed)
    os.makedirs(folder, exist_ok=True)
    pixels = [f"r{i}c{j}" for i in range(side) for j in range(side)]
    paths = []
    for font in fonts:
        path = os.path.join(folder, f"{font}.csv")
        with open(path, "w") as f:
            f.write(",".join(["font", "fontVariant", "m_label", "strength", "italic", "orientation",
                              "m_top", "m_left", "originalH", "originalW", "h", "w"] + pixels) + "\n")
            for _ in range(rows):
                values = [font, "scanned", int(rng.integers(33, 127)), 0.4, 0, 0.0,
                          int(rng.integers(0, 60)), int(rng.integers(0, 40)), 20, 20, 20, 20]
                values += [int(v) for v in rng.integers(1, 256, size=len(pixels))]
                f.write(",".join(str(v) for v in values) + "\n")
        paths.append(path)
    return paths


def write_higgs_csv_gz(path, n=1500, features=28, seed=18):
    """Like HIGGS.csv.gz (gzip, no header): a float label (0.0 / 1.0) then `features` floats whose
    mean shifts with the label. Returns `path`."""
    import gzip

    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, size=n).astype("float64")
    values = rng.normal(0, 1, size=(n, features)) + 0.7 * labels[:, None] * rng.choice([-1, 1], size=features)
    with gzip.open(path, "wt") as f:
        for label, row in zip(labels, values):
            f.write(f"{label:.1f}," + ",".join(f"{v:.6f}" for v in row) + "\n")
    return path


def write_facades(root, train=6, test=2, side=32, seed=19):
    """Like the extracted pix2pix 'facades' folder under `root`: train/ and test/ JPEGs (written by
    PIL, so the same bytes on both backends), each a photo (left half) beside its label map (right
    half), side x 2*side pixels. Returns `root` as a pathlib.Path."""
    import os
    import pathlib

    from PIL import Image

    rng = np.random.default_rng(seed)
    for split, count in (("train", train), ("test", test)):
        os.makedirs(os.path.join(root, split), exist_ok=True)
        for i in range(count):
            labels = np.kron(rng.integers(0, 256, size=(4, 4, 3)), np.ones((side // 4, side // 4, 1)))
            photo = 0.6 * labels + 0.4 * rng.integers(0, 256, size=(side, side, 3))
            pixels = np.concatenate([photo, labels], axis=1).astype("uint8")
            Image.fromarray(pixels).save(os.path.join(root, split, f"{i + 1}.jpg"), format="JPEG", quality=95)
    return pathlib.Path(root)


def creditcard(n=2000, positive=0.03, seed=20):
    """Like creditcard.csv's columns as a dict of NumPy arrays: Time, V1..V28 (float64), Amount and
    an int64 Class that is rare (about `positive` of the rows); fraud shifts a few V columns."""
    rng = np.random.default_rng(seed)
    labels = (rng.random(n) < positive).astype("int64")
    cols = {"Time": np.sort(rng.uniform(0, 172792, size=n))}
    for i in range(1, 29):
        cols[f"V{i}"] = rng.normal(0, 1, size=n) - (2.5 * labels if i in (3, 10, 12, 14, 17) else 0)
    cols["Amount"] = np.round(rng.exponential(80, size=n), 2)
    cols["Class"] = labels
    return cols


JENA_COLUMNS = ("p (mbar)", "T (degC)", "Tpot (K)", "Tdew (degC)", "rh (%)", "VPmax (mbar)", "VPact (mbar)",
                "VPdef (mbar)", "sh (g/kg)", "H2OC (mmol/mol)", "rho (g/m**3)", "wv (m/s)", "max. wv (m/s)",
                "wd (deg)")


def jena_climate(n=1200, seed=22):
    """Like the hourly jena_climate_2009_2016 table (every sixth row, as the tutorial keeps): a
    'Date Time' list of datetime.datetime and JENA_COLUMNS as float64 arrays, with daily and yearly
    cycles in the temperature and a few -9999.0 wind speeds (the recording errors it cleans)."""
    import datetime

    rng = np.random.default_rng(seed)
    start = datetime.datetime(2009, 1, 1, 1)
    times = [start + datetime.timedelta(hours=i) for i in range(n)]
    hours = np.arange(n, dtype="float64")
    temp = 9 + 8 * np.sin(2 * np.pi * hours / 24) - 6 * np.cos(2 * np.pi * hours / (24 * 365.2425)) \
        + np.cumsum(rng.normal(0, 0.3, size=n)) * 0.2
    cols = {"p (mbar)": 989 + np.cumsum(rng.normal(0, 0.4, size=n)) * 0.3, "T (degC)": temp,
            "Tpot (K)": temp + 273.15 + 2.7, "Tdew (degC)": temp - rng.uniform(1, 8, size=n)}
    cols["rh (%)"] = np.clip(100 - 5 * (temp - cols["Tdew (degC)"]), 10, 100)
    cols["VPmax (mbar)"] = 6.1 * np.exp(0.07 * temp)
    cols["VPact (mbar)"] = cols["VPmax (mbar)"] * cols["rh (%)"] / 100
    cols["VPdef (mbar)"] = cols["VPmax (mbar)"] - cols["VPact (mbar)"]
    cols["sh (g/kg)"] = 0.62 * cols["VPact (mbar)"]
    cols["H2OC (mmol/mol)"] = cols["VPact (mbar)"]
    cols["rho (g/m**3)"] = 1310 - 4.5 * temp + rng.normal(0, 2, size=n)
    cols["wv (m/s)"] = rng.gamma(2.0, 1.0, size=n)
    cols["max. wv (m/s)"] = cols["wv (m/s)"] * rng.uniform(1.2, 2.0, size=n)
    cols["wd (deg)"] = rng.uniform(0, 360, size=n)
    bad = rng.choice(n, size=3, replace=False)
    cols["wv (m/s)"][bad] = -9999.0
    cols["max. wv (m/s)"][bad[:2]] = -9999.0
    return times, cols


def write_pet_images(root, per_class=40, side=48, corrupted=1, seed=23):
    """Like the extracted Kaggle PetImages folder under `root`: Cat/ and Dog/ JPEGs written by PIL
    (JFIF headers; the same bytes on both backends), cats mostly warm-toned and dogs cool-toned with
    noise, plus `corrupted` files per folder without a JFIF header. Returns `root`."""
    import os

    from PIL import Image

    rng = np.random.default_rng(seed)
    tones = {"Cat": np.array([200, 120, 60]), "Dog": np.array([60, 120, 200])}
    for name, tone in tones.items():
        folder = os.path.join(root, name)
        os.makedirs(folder, exist_ok=True)
        for i in range(per_class):
            pixels = 0.6 * tone + 0.4 * rng.integers(0, 256, size=(side, side, 3))
            Image.fromarray(pixels.astype("uint8")).save(os.path.join(folder, f"{i}.jpg"), format="JPEG",
                                                         quality=90)
        for i in range(corrupted):
            with open(os.path.join(folder, f"broken_{i}.jpg"), "wb") as f:
                f.write(b"\x00\x01not an image at all")
    return root


def heart(n=303, seed=24):
    """Like the Cleveland heart-disease CSV (heart.csv) as a dict of NumPy columns: int64 measurements
    and codes, a float64 oldpeak, a string thal ('fixed', 'normal', 'reversible' and the file's two
    stray '1' / '2' rows) and an int64 target that grows with chest pain, exercise angina and ST
    depression and falls with the maximum heart rate."""
    rng = np.random.default_rng(seed)

    def ints(low, high):
        return rng.integers(low, high + 1, size=n).astype("int64")

    cols = {"age": ints(29, 77), "sex": ints(0, 1), "cp": ints(0, 4), "trestbps": ints(94, 200),
            "chol": ints(126, 564), "fbs": (rng.random(n) < 0.15).astype("int64"), "restecg": ints(0, 2),
            "thalach": ints(71, 202), "exang": ints(0, 1), "oldpeak": np.round(rng.uniform(0, 6.2, size=n), 1),
            "slope": ints(1, 3), "ca": ints(0, 3)}
    thal = np.asarray(rng.choice(["fixed", "normal", "reversible"], size=n, p=[0.1, 0.55, 0.35]), dtype=object)
    thal[:2] = ["1", "2"]
    cols["thal"] = thal
    score = (0.6 * cols["cp"] + 1.2 * cols["exang"] + 0.6 * cols["oldpeak"] - 0.03 * (cols["thalach"] - 150)
             + 1.0 * (thal == "reversible") + rng.normal(0, 0.8, size=n))
    cols["target"] = (score > 5.6).astype("int64")
    return cols


SPEECH_COMMANDS = ("down", "go", "left", "no", "right", "stop", "up", "yes")


def write_speech_commands(root, per_command=10, rate=16000, seed=25):
    """Like the extracted mini_speech_commands folder under `root`: one folder per command of 16-bit
    mono PCM WAV files (written by Python's wave module, the same bytes on both backends) named
    `<hash>_nohash_<i>.wav`, each a noisy tone sweep whose pitch depends on the command, most a little
    shorter than one second (as many recordings are), and a README.md beside the folders. Returns `root`."""
    import os
    import wave

    rng = np.random.default_rng(seed)
    os.makedirs(root, exist_ok=True)
    with open(os.path.join(root, "README.md"), "w") as f:
        f.write("Synthetic stand-in for mini_speech_commands.\n")
    for k, command in enumerate(SPEECH_COMMANDS):
        folder = os.path.join(root, command)
        os.makedirs(folder, exist_ok=True)
        for i in range(per_command):
            length = int(rng.integers(int(0.75 * rate), rate + 1))
            t = np.arange(length) / rate
            pitch = 300.0 + 250.0 * k
            wave_ = 0.5 * np.sin(2 * np.pi * (pitch + 200.0 * t) * t) * np.hanning(length)
            samples = np.clip(wave_ + rng.normal(0, 0.05, size=length), -1, 1)
            name = f"{int(rng.integers(0, 2**32)):08x}_nohash_{i}.wav"
            with wave.open(os.path.join(folder, name), "wb") as w:
                w.setnchannels(1)
                w.setsampwidth(2)
                w.setframerate(rate)
                w.writeframes((samples * 32767).astype("<i2").tobytes())
    return root
