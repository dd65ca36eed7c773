"""x.size(d) → x.shape[d]: MindSpore's Tensor.size is an int property."""



def test_size_calls(assert_converts):
    assert_converts(
        """\
        import torch
        a = x.size(0)
        b = x.size()
        c = x.size(dim=-1)
        d = x.size()[1:]
        """,
        """\
        a = x.shape[0]
        b = x.shape
        c = x.shape[-1]
        d = x.shape[1:]
        """,
    )


def test_size_with_extra_args_is_not_torch(assert_converts):
    # two arguments cannot be Tensor.size: not a torch call, left alone and not counted
    result = assert_converts(
        """\
        import torch
        a = thing.size(1, 2)
        """,
        """\
        a = thing.size(1, 2)
        """,
    )
    assert result.unconverted == [] and result.n_seen == 0


def test_storage_size_is_not_a_tensor_size(assert_converts):
    result = assert_converts(
        """\
        import torch
        n = x.untyped_storage().size()
        """,
        """\
        n = x.untyped_storage().size()  # mscore: unconverted Tensor.untyped_storage: fixture: no storage API; Tensor.size: the size of a storage, not of a tensor
        """,
    )
    assert {u.api for u in result.unconverted} == {"Tensor.size", "Tensor.untyped_storage"}


def test_process_group_size_is_not_a_tensor_size(assert_converts):
    # torch's ProcessGroup.size() (Megatron: data_parallel_group.size()): the converted groups keep the method
    result = assert_converts(
        """\
        import torch
        a = process_group.size() + self.data_parallel_group_gloo.size() + mpu.get_pipeline_model_parallel_group().size()
        b = group_scores.size(0)
        """,
        """\
        a = process_group.size() + self.data_parallel_group_gloo.size() + mpu.get_pipeline_model_parallel_group().size()
        b = group_scores.shape[0]
        """,
    )
    assert result.unconverted == []
