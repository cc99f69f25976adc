"""The doctor's checks, one module each; every module here is imported when the doctor runs, and each
registers its check with ``@check(name, order)`` (ecoguard_cli/doctor/model.py).
"""
