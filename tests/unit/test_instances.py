from __future__ import annotations

from ecoguard.instances import instance_table, lookup


def test_gpu_instances_count_their_gpus_and_cite_a_source() -> None:
    p4d = lookup("ml.p4d.24xlarge")
    assert p4d is not None
    assert (p4d.vcpu, p4d.gpu_count, p4d.accelerator_model) == (96, 8, "NVIDIA A100")
    assert "CCF" in p4d.source or "ccf" in p4d.source


def test_neuron_instances_are_accelerated_but_not_gpus() -> None:
    trn1 = lookup("ml.trn1.32xlarge")
    assert trn1 is not None and trn1.is_neuron and trn1.gpu_count == 0 and trn1.accelerator_count == 16


def test_cpu_instances_have_no_accelerator() -> None:
    m5 = lookup("ml.m5.xlarge")
    assert m5 is not None and not m5.is_gpu and m5.gpu_count == 0 and m5.vcpu == 4


def test_an_unknown_type_is_none_not_a_guess() -> None:
    assert lookup("ml.imaginary.96xlarge") is None


def test_every_row_has_a_source() -> None:
    assert len(instance_table()) == 55
    assert all(row.source for row in instance_table().values())
