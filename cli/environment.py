"""What every process returnbot starts runs with, beyond the settings: nothing sent anywhere unless the
merchant turns it on, files for the service's user alone, and a start-up log a person can read.

`child_environment(settings)` is the environment's part, for the children of `returnbot run` (and the
`rasa train` that `returnbot train` runs); `quiet_warnings()` is the part a process applies to itself
(the Rasa server and the action server call it first thing).
"""
from __future__ import annotations

import warnings
from typing import Dict

# New files (databases and their -wal/-shm files, logs, attachments, endpoints files with passwords) are
# readable by the service's user alone, whatever umask the merchant's shell or service manager has.
PRIVATE_UMASK = 0o077

# Dependency chatter that tells a merchant nothing about returnbot, each silenced where it starts:
QUIET_DEPENDENCIES = {
    # TensorFlow, which Rasa imports though this pipeline never runs it, writes C++ start-up notes to
    # stderr (oneDNN custom operations, CPU instruction sets, no CUDA driver found): 3 keeps errors only.
    "TF_CPP_MIN_LOG_LEVEL": "3",
    # SQLAlchemy 1.4 (pinned by Rasa 3.6) warns once per process that Rasa's tracker store uses APIs
    # SQLAlchemy 2.0 removes ("MovedIn20Warning ... SQLALCHEMY_WARN_20"): Rasa's code, not fixable here.
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
}


def child_environment(rasa_telemetry: bool) -> Dict[str, str]:
    """The variables returnbot adds to its children's environment (the rest is inherited);
    `rasa_telemetry` is `Settings.rasa_telemetry`."""
    return {
        # Rasa's usage telemetry and its error reports to Sentry: off unless the merchant sets
        # RASA_TELEMETRY_ENABLED=true. Set either way, so `rasa telemetry enable` once run on this
        # machine (~/.config/rasa/global.yml) does not decide for the merchant, and Rasa prints no
        # telemetry banner on its first start.
        "RASA_TELEMETRY_ENABLED": "true" if rasa_telemetry else "false",
        **QUIET_DEPENDENCIES,
    }


# Our own packages: their deprecation warnings stay visible (they are ours to fix).
OURS = r"(actions|bot|channels|cli|integrations|rasa_ext)(\.|$)"


def quiet_warnings() -> None:
    """Python's own default for deprecation warnings in the Rasa and action servers and `rasa train`,
    and no false alarm from Rasa's data validation.

    - Importing `sanic.app` (Rasa and rasa-sdk run on Sanic 21.12) turns every DeprecationWarning on,
      once per place, in every module, and Rasa shows every UserWarning once: a start filled with
      dependencies' notes to their developers (pkg_resources; distutils' LooseVersion in sanic_cors;
      pyparsing's camelCase names in matplotlib and packaging, a UserWarning too; jax and keras in
      TensorFlow; SQLAlchemy's `URL()` in Rasa's tracker store). Python shows deprecation warnings
      only for `__main__`; this puts that back, and keeps them for our own packages.
    - `rasa train` validates the data and warns that each response "is not used in any story or
      rule": true of every one, as `action_converse` sends them by name (docs/conversation.md).
      `returnbot nlu check` runs the validation that matters.

    The filters go in front of Sanic's and Rasa's, so call this once after importing `sanic.app` (done
    here) and again after Rasa sets its own (cli/rasa_cli.py). Warnings from elsewhere stay as they were."""
    import sanic.app  # noqa: F401  (its import adds the filter these must come before)

    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=PendingDeprecationWarning)
    warnings.filterwarnings("default", category=DeprecationWarning, module=OURS)
    warnings.filterwarnings("default", category=DeprecationWarning, module="__main__")
    warnings.filterwarnings("ignore", message=r"The utterance '\w+' is not used in any story or rule",
                            category=UserWarning)
