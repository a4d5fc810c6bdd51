"""The one error type for input a person has to fix."""


class ImageError(ValueError):
    """An input image that cannot be used: empty, damaged, not an image, or too large.

    The message is one sentence for a person: what is wrong and what to do about it.
    """
