"""Run ecoguard's functions locally, the way ``sam local invoke`` would, without Docker.

``template``: read template.yaml; ``account``: provision the stack's resources in a simulated
(moto) account; ``invoke``: run a function's handler in-process; ``router``: route events through
EventBridge with the template's own rule patterns; ``demo``: the guided run behind ``make demo``.
"""
