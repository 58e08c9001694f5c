"""Programs where tapejax knowingly differs from TF; each is a strict xfail listed in known_gaps.txt."""


def test_gradient_through_traced_cond_in_function(compare):
    def program(tf):
        @tf.function
        def f(x):
            with tf.GradientTape() as tape:
                tape.watch(x)
                y = tf.cond(x > 0, lambda: x * x, lambda: -x)
            return tape.gradient(y, x)

        return f(tf.constant(3.0))
    compare(program)


def test_autograph_python_if_on_tensor_in_function(compare):
    def program(tf):
        @tf.function
        def f(x):
            if x > 0:
                return x * 2.0
            return x * 3.0

        return f(tf.constant(1.0)), f(tf.constant(-1.0))
    compare(program)


def test_custom_gradient_grad_fn_runs_on_every_gradient_call(compare):
    def program(tf):
        calls = []

        @tf.custom_gradient
        def f(x):
            def grad(dy):
                calls.append(1)
                return dy * 2.0
            return tf.identity(x), grad

        for _ in range(3):
            x = tf.constant(1.0)
            with tf.GradientTape() as tape:
                tape.watch(x)
                y = f(x)
            tape.gradient(y, x)
        return len(calls)
    compare(program)
