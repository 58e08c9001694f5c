"""Checkpoints matched by TF's object-graph paths (attribute names from the root to a variable):
restoring through stand-in objects with the same paths, and reading values by those names."""

import numpy as np

KERNEL = np.arange(6, dtype=np.float32).reshape(3, 2) / 10.0
BIAS = np.array([0.5, -1.5], np.float32)


def _saved(tf, directory):
    class Net(tf.keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = tf.keras.layers.Dense(2)

        def call(self, x):
            return self.dense(x)

    class Holder(tf.Module):
        def __init__(self):
            super().__init__()
            self.w = tf.Variable(1.0)
            self._p = tf.Variable(2.0)
            self.lst = [tf.Variable(3.0)]
            self.d = {"a": tf.Variable(4.0)}
            self.sub = tf.Module()
            self.sub.v = tf.Variable(5.0)

    net = Net()
    net(tf.ones([1, 3]))
    net.dense.kernel.assign(KERNEL)
    net.dense.bias.assign(BIAS)
    return tf.train.Checkpoint(model=net, mod=Holder()).save(directory + "/ckpt")


def test_a_stand_in_object_with_the_same_path_restores_one_variable(compare, tmp_path):
    def program(tf):
        path = _saved(tf, str(tmp_path / tf.__name__))
        bias, inner = tf.Variable(tf.zeros([2])), tf.Variable(0.0)
        stand_in = tf.train.Checkpoint(model=tf.train.Checkpoint(dense=tf.train.Checkpoint(bias=bias)),
                                       mod=tf.train.Checkpoint(sub=tf.train.Checkpoint(v=inner)))
        status = stand_in.restore(path)
        status.assert_existing_objects_matched()
        return bias, inner
    compare(program)


def test_the_reader_finds_values_by_their_object_graph_paths(compare, tmp_path):
    def program(tf):
        reader = tf.train.load_checkpoint(_saved(tf, str(tmp_path / tf.__name__)))
        names = ["model/dense/_kernel", "model/dense/bias", "mod/w", "mod/_p", "mod/lst/0", "mod/d/a",
                 "mod/sub/v"]
        suffix = "/.ATTRIBUTES/VARIABLE_VALUE"
        return ([reader.has_tensor(n + suffix) for n in names], [reader.get_tensor(n + suffix) for n in names],
                reader.get_variable_to_shape_map()["model/dense/_kernel" + suffix])
    compare(program)


def test_attributes_assigned_to_a_checkpoint_are_saved_and_restored_on_attach_and_append(compare, tmp_path):
    def program(tf):
        writer = tf.train.Checkpoint()
        writer.items = [tf.Variable(1.0)]
        writer.items.append(tf.Variable(2.0))
        writer.table = {"first": writer.items[0]}
        writer.table["second"] = writer.items[1]
        writer.v = tf.Variable(7.0)
        path = writer.save(str(tmp_path / tf.__name__ / "containers"))
        reader = tf.train.Checkpoint()
        second = tf.Variable(0.0)
        reader.table = {"second": second}
        reader.restore(path)
        late, appended = tf.Variable(0.0), tf.Variable(0.0)
        reader.v = late  # restored as soon as it is attached
        reader.items = []
        shown = repr(reader.items)
        reader.items.append(appended)  # restored on append
        both = tf.train.Checkpoint()
        both.items = [tf.Variable(0.0), tf.Variable(0.0)]
        both.restore(path)
        return second, late, appended, shown, [x.numpy() for x in both.items]
    compare(program)
