"""A callback the start-up section adds to the main job (`+callbacks.first_step._target_=...`): it prints the wall
clock when the first training step ends, so the section can tell how long a user waits for training to start."""
import time

import pytorch_lightning as pl

MARK = "zoo.bench: first training step ended at"


class ReportFirstStep(pl.Callback):
    def on_train_batch_end(self, trainer, task, outputs, batch, batch_index):
        if trainer.global_step == 1:
            print(f"{MARK} {time.time():.6f}", flush=True)
