"""The durable, content-addressed model store (`store:` in the spec): every file under its own sha256, every
stage's outputs under the digest of its inputs, an index object written last. The GitHub artifact default keeps a
model 30 days; a store keeps every model a deploy file names, whatever its age."""
