"""torchrun -> msrun launch-script conversion: golden before/after texts."""
from __future__ import annotations

import subprocess
import textwrap

import pytest

from mscore.pipeline.launch import convert_options, convert_script

VARIABLE_STYLE = textwrap.dedent("""\
    #!/bin/bash
    source /usr/local/Ascend/ascend-toolkit/set_env.sh
    NPUS_PER_NODE=8
    MASTER_ADDR=localhost
    MASTER_PORT=6000
    NNODES=1
    NODE_RANK=0
    WORLD_SIZE=$(($NPUS_PER_NODE*$NNODES))

    DISTRIBUTED_ARGS="
        --nproc_per_node $NPUS_PER_NODE \\
        --nnodes $NNODES \\
        --node_rank $NODE_RANK \\
        --master_addr $MASTER_ADDR \\
        --master_port $MASTER_PORT
    "

    # torchrun $DISTRIBUTED_ARGS is how upstream launches
    torchrun $DISTRIBUTED_ARGS pretrain_fixture.py \\
        $GPT_ARGS \\
        --distributed-backend nccl \\
        2>&1 | tee logs/train.log
    """)

VARIABLE_STYLE_GOLDEN = textwrap.dedent("""\
    #!/bin/bash
    source /usr/local/Ascend/ascend-toolkit/set_env.sh
    NPUS_PER_NODE=8
    MASTER_ADDR=localhost
    MASTER_PORT=6000
    NNODES=1
    NODE_RANK=0
    WORLD_SIZE=$(($NPUS_PER_NODE*$NNODES))

    DISTRIBUTED_ARGS="
        --worker_num $(($NPUS_PER_NODE*$NNODES)) \\
        --local_worker_num $NPUS_PER_NODE \\
        --node_rank $NODE_RANK \\
        --master_addr $MASTER_ADDR \\
        --master_port $MASTER_PORT \\
        --log_dir msrun_log \\
        --join=True
    "

    # torchrun $DISTRIBUTED_ARGS is how upstream launches
    msrun $DISTRIBUTED_ARGS pretrain_fixture.py \\
        $GPT_ARGS \\
        --distributed-backend nccl \\
        2>&1 | tee logs/train.log
    """)


def test_variable_style_golden():
    res = convert_script(VARIABLE_STYLE, "x.sh")
    assert res.text == VARIABLE_STYLE_GOLDEN
    assert res.changed and res.notes == []
    assert convert_script(res.text).text == res.text          # converting twice == converting once


def test_variable_style_runs_in_bash_with_the_right_worker_counts():
    # the rewritten variable expands (in bash) to msrun options with nodes x processes workers
    script = VARIABLE_STYLE_GOLDEN.replace("NNODES=1", "NNODES=3").split("# torchrun")[0]
    script = script.replace("source /usr/local/Ascend/ascend-toolkit/set_env.sh\n", "")
    out = subprocess.run(["bash", "-c", script + 'printf "%s\\n" $DISTRIBUTED_ARGS'], capture_output=True,
                         text=True, check=True).stdout.split()
    assert out == ["--worker_num", "24", "--local_worker_num", "8", "--node_rank", "0", "--master_addr", "localhost",
                   "--master_port", "6000", "--log_dir", "msrun_log", "--join=True"]


@pytest.mark.parametrize("before, after", [
    ("torchrun --nproc_per_node=8 train.py --lr 1\n",
     "msrun --worker_num 8 --local_worker_num 8 --log_dir msrun_log --join=True train.py --lr 1\n"),
    ("torchrun --nproc-per-node 4 --nnodes 2 --node-rank 1 --master-addr 10.0.0.1 --master-port 29500 t.py\n",
     "msrun --worker_num 8 --local_worker_num 4 --node_rank 1 --master_addr 10.0.0.1 --master_port 29500 "
     "--log_dir msrun_log --join=True t.py\n"),
    ("python -m torch.distributed.launch --use_env --nproc_per_node 2 t.py\n",
     "msrun --worker_num 2 --local_worker_num 2 --log_dir msrun_log --join=True t.py\n"),
    ("python3 -m torch.distributed.run --standalone --nproc_per_node $N --log_dir /tmp/l t.py\n",
     "msrun --worker_num $N --local_worker_num $N --log_dir /tmp/l --join=True t.py\n"),
    ("torchrun t.py\n", "msrun --worker_num 1 --local_worker_num 1 --log_dir msrun_log --join=True t.py\n"),
    ("    torchrun \\\n      --nproc_per_node ${GPUS} --nnodes ${NODES} t.py &\n",
     "    msrun --worker_num $(($GPUS*$NODES)) --local_worker_num ${GPUS} --log_dir msrun_log --join=True t.py &\n"),
    ('CMD="cd x && python -m torch.distributed.run \\\n    --nproc_per_node ${NPROCS} \\\n    --nnodes 1 \\\n'
     '    ${run_cmd} \\\n"\n',
     'CMD="cd x && msrun --worker_num ${NPROCS} --local_worker_num ${NPROCS} --log_dir msrun_log --join=True \\\n'
     '    ${run_cmd} \\\n"\n'),
    ("echo done\n# torchrun --nproc_per_node 8 t.py\n", "echo done\n# torchrun --nproc_per_node 8 t.py\n"),
    ("python torchrun_helper.py\nmytorchrun x\n", "python torchrun_helper.py\nmytorchrun x\n"),
])
def test_inline_golden(before, after):
    assert convert_script(before).text == after


def test_unsupported_options_are_noted():
    res = convert_script("torchrun --nproc_per_node 2 --rdzv_backend c10d --max_restarts=3 t.py\n", "a.sh")
    assert res.text == "msrun --worker_num 2 --local_worker_num 2 --log_dir msrun_log --join=True t.py\n"
    assert res.notes == ["a.sh: torchrun option --rdzv_backend c10d has no msrun equivalent: dropped",
                         "a.sh: torchrun option --max_restarts=3 has no msrun equivalent: dropped"]


def test_single_line_variable_and_export():
    src = 'export DIST="--nproc_per_node 8 --nnodes 2"\ntorchrun $DIST x.py\n'
    assert convert_script(src).text == (
        'export DIST="--worker_num 16 --local_worker_num 8 --log_dir msrun_log --join=True"\nmsrun $DIST x.py\n')


def test_variable_assigned_elsewhere_is_noted():
    res = convert_script("torchrun $FROM_ELSEWHERE x.py\n", "b.sh")
    assert res.text == "msrun $FROM_ELSEWHERE x.py\n"
    assert res.notes == ["b.sh: $FROM_ELSEWHERE passed to torchrun is not assigned torchrun options in this file: "
                         "check it holds msrun options"]


def test_options_split_without_complete_flag():
    words, notes, ok = convert_options(["--nproc_per_node", "8", "--nnodes", "2"], complete=False)
    assert ok and words == ["--local_worker_num", "8"] and "worker_num" in notes[0]


def test_script_without_torchrun_is_untouched():
    src = "#!/bin/sh\npython train.py\n"
    res = convert_script(src)
    assert res.text == src and not res.changed


def test_array_style_golden():
    src = textwrap.dedent("""\
        LAUNCH=(
            --nproc_per_node $GPUS
            --nnodes $NODES
            --master_port 6000
        )
        torchrun "${LAUNCH[@]}" train.py "${MODEL[@]}"
        """)
    assert convert_script(src).text == textwrap.dedent("""\
        LAUNCH=(
            --worker_num $(($GPUS*$NODES))
            --local_worker_num $GPUS
            --master_port 6000
            --log_dir msrun_log
            --join=True
        )
        msrun "${LAUNCH[@]}" train.py "${MODEL[@]}"
        """)


def test_mscore_convert_of_a_folder_switches_its_launch_scripts(tmp_path):
    """`mscore convert DIR` (not only `--repo`) converts the launch scripts it copies: the converted tree is launched
    by its own scripts."""
    from mscore.rewrite.result import CONVERTED, NOT_PYTHON
    from mscore.tree import convert_tree

    src = tmp_path / "proj"
    src.mkdir()
    (src / "train.py").write_text("import torch\nx = torch.zeros(2)\n")
    (src / "run.sh").write_text('DISTRIBUTED_ARGS="--nproc_per_node 2 --master_port $PORT"\n'
                                "torchrun $DISTRIBUTED_ARGS train.py --lr 1\n")
    (src / "plain.sh").write_text("python train.py\n")
    (src / "odd.bash").write_text("torchrun --rdzv-backend c10d train.py\n")
    files = {f.path: f for f in convert_tree(src, jobs=1).files}
    run = files["run.sh"]
    assert run.status == CONVERTED
    assert run.output.decode() == ('DISTRIBUTED_ARGS="--worker_num 2 --local_worker_num 2 --master_port $PORT '
                                   '--log_dir msrun_log --join=True"\nmsrun $DISTRIBUTED_ARGS train.py --lr 1\n')
    assert files["plain.sh"].status == NOT_PYTHON and files["plain.sh"].output == b"python train.py\n"
    odd = files["odd.bash"]
    assert odd.status == CONVERTED and odd.output.decode().startswith("msrun --worker_num 1 --local_worker_num 1")
    assert "rdzv" in odd.message      # the launcher's notes travel with the file into the report
