"""keras.utils.load_img / img_to_array / array_to_img / save_img (and tf.keras.preprocessing.image), as the
keras-io image classification example loads its files."""

import numpy as np
from PIL import Image

PIXELS = (np.arange(6 * 8 * 3).reshape(6, 8, 3) * 5 % 256).astype(np.uint8)


def _write(tmp_path):
    path = tmp_path / "img.png"
    Image.fromarray(PIXELS).save(path)
    return path


def test_load_img_color_modes_sizes_and_img_to_array(compare, tmp_path):
    path = _write(tmp_path)

    def program(tf):
        image = tf.keras.preprocessing.image
        out = []
        for mode in ("rgb", "grayscale", "rgba"):
            img = tf.keras.utils.load_img(str(path), color_mode=mode)
            out.append((img.mode, img.size, tf.keras.utils.img_to_array(img)))
        small = image.load_img(path, target_size=(3, 4), interpolation="bilinear")
        cropped = image.load_img(path, target_size=(4, 4), keep_aspect_ratio=True)
        out.append((small.size, image.img_to_array(small), cropped.size, image.img_to_array(cropped)))
        out.append(image.img_to_array(small, data_format="channels_first", dtype="uint8"))
        return out
    compare(program)


def test_array_to_img_and_save_img_round_trip(compare, tmp_path):
    def program(tf):
        x = PIXELS.astype(np.float32)
        img = tf.keras.utils.array_to_img(x)
        unscaled = tf.keras.utils.array_to_img(x, scale=False)
        gray = tf.keras.utils.array_to_img(x[:, :, :1])
        target = tmp_path / "saved.png"
        tf.keras.utils.save_img(str(target), x, scale=False)
        back = tf.keras.utils.img_to_array(tf.keras.utils.load_img(str(target)))
        return img.mode, np.asarray(img), np.asarray(unscaled), gray.mode, np.asarray(gray), back
    compare(program)


def test_bad_image_arguments_raise_keras_errors(compare, tmp_path):
    path = _write(tmp_path)

    def program(tf):
        errors = []
        for call in (lambda: tf.keras.utils.load_img(str(path), color_mode="cmyk"),
                     lambda: tf.keras.utils.load_img(str(path), target_size=(2, 2), interpolation="cubicish"),
                     lambda: tf.keras.utils.array_to_img(np.zeros((2, 2))),
                     lambda: tf.keras.utils.array_to_img(np.zeros((2, 2, 2)))):
            try:
                call()
            except ValueError as err:
                errors.append(str(err)[:60])
        return errors
    compare(program)
