"""The doctor's checks, one module each; every module here is imported when the doctor runs, and each
registers its check with ``@check(name, order)`` (ecoguard_cli/doctor/model.py).

Slot (order 70): "async endpoints and inference components without a scale-from-zero policy" comes from
another branch as its own module here (``scale_from_zero.py``), registered like the others.
"""
