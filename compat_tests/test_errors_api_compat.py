"""tf.errors as user code uses it: raising TF's classes with TF's constructor, catching by base class, codes."""


def test_user_code_raises_and_catches_tf_errors_with_tfs_constructor(compare):
    def program(tf):
        seen = []
        for cls in (tf.errors.InvalidArgumentError, tf.errors.InternalError, tf.errors.AbortedError,
                    tf.errors.CancelledError, tf.errors.DeadlineExceededError, tf.errors.UnknownError,
                    tf.errors.UnauthenticatedError, tf.errors.NotFoundError, tf.errors.DataLossError):
            try:
                raise cls(None, None, f"bad {cls.__name__}")
            except tf.errors.OpError as err:
                seen.append((type(err).__name__, err.message, str(err), err.error_code, err.op, err.node_def))
        return seen, [tf.errors.OK, tf.errors.CANCELLED, tf.errors.UNKNOWN, tf.errors.INVALID_ARGUMENT,
                      tf.errors.DEADLINE_EXCEEDED, tf.errors.NOT_FOUND, tf.errors.ALREADY_EXISTS,
                      tf.errors.PERMISSION_DENIED, tf.errors.RESOURCE_EXHAUSTED, tf.errors.FAILED_PRECONDITION,
                      tf.errors.ABORTED, tf.errors.OUT_OF_RANGE, tf.errors.UNIMPLEMENTED, tf.errors.INTERNAL,
                      tf.errors.UNAVAILABLE, tf.errors.DATA_LOSS, tf.errors.UNAUTHENTICATED]
    compare(program)


def test_an_op_error_carries_the_code_it_was_given(compare):
    def program(tf):
        err = tf.errors.OpError(None, None, "custom", tf.errors.ABORTED)
        return err.error_code, err.message, isinstance(err, Exception)
    compare(program)


def test_an_op_failure_is_caught_as_op_error_with_its_code(compare):
    def program(tf):
        try:
            tf.reshape(tf.range(6), [4, 2])
        except tf.errors.OpError as err:
            return type(err).__name__, err.error_code
    compare(program)
