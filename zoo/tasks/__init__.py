"""One LightningModule per task, each owning its input encoder, output head, loss, metrics and generation
around the Backbone of any architecture."""
