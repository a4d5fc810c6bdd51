"""Session-state keys of the shared sidebar widgets, and their defaults (the K-Means ones
from ``kmeans_core.Settings``)."""

from kmeans_core.settings import DEFAULTS as SETTINGS
from kmeans_core.settings import EXERCISE

from .samples import DEFAULT_SAMPLE


class Keys:
    upload = "upload"
    sample = "sample"
    k = "k"
    init = "init"
    space = "space"
    seed = "seed"
    n_init = "n_init"
    max_iter = "max_iter"
    exercise_max_iter = "exercise_max_iter"
    present = "present"


DEFAULTS: dict[str, object] = {
    Keys.sample: DEFAULT_SAMPLE.key,
    Keys.k: SETTINGS.k,
    Keys.init: SETTINGS.init,
    Keys.space: SETTINGS.space,
    Keys.seed: SETTINGS.seed,
    Keys.n_init: SETTINGS.n_init,
    Keys.max_iter: SETTINGS.max_iter,
    Keys.exercise_max_iter: EXERCISE.max_iter,
    Keys.present: False,
}

# Not a widget: the settings a shared link asked for, read from the URL once per session.
LINK_VALUES = "link_values"
