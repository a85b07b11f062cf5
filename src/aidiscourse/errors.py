"""One kind of error for everything a user can get wrong, so messages read alike."""


class AidiscourseError(Exception):
    """An error whose message is one clear line meant for the user.

    The command line prints it as ``aidiscourse: <message>`` and exits non-zero,
    without a traceback.
    """


def fail(message: str) -> "AidiscourseError":
    """Return an :class:`AidiscourseError` to raise; keeps call sites short.

    Examples
    --------
    >>> raise fail("data/raw/x.txt: file is empty")  # doctest: +SKIP
    """
    return AidiscourseError(" ".join(str(message).split()))
