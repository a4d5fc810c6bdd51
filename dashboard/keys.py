"""Session-state keys of the shared sidebar widgets, and their defaults."""

from .samples import DEFAULT_SAMPLE
from .settings import DEFAULT_K


class Keys:
    upload = "upload"
    sample = "sample"
    k = "k"
    init = "init"
    space = "space"
    seed = "seed"
    n_init = "n_init"
    max_iter = "max_iter"
    present = "present"


DEFAULTS: dict[str, object] = {
    Keys.sample: DEFAULT_SAMPLE.key,
    Keys.k: DEFAULT_K,
    Keys.init: "k-means++",
    Keys.space: "rgb",
    Keys.seed: 0,
    Keys.n_init: 1,
    Keys.max_iter: 300,
    Keys.present: False,
}

# Not a widget: the settings a shared link asked for, read from the URL once per session.
LINK_VALUES = "link_values"
