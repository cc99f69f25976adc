"""Run ecoguard's functions on a simulated (moto) account, the way ``sam local invoke`` would, without Docker.

``template``: read template.yaml; ``identity``: the simulated account's id and region and the
stack's name; ``account``: provision the stack's resources in the simulated
account; ``invoke``: run a function's handler in-process; ``router``: route events through
EventBridge with the template's own rule patterns; ``demo`` and ``org_demo``: the guided runs
behind ``make demo``. The ``*_shim`` modules and ``training_jobs`` fill in what moto lacks.
"""
