"""The asset import's parts: reading the file (`cells`), where each column goes (`columns`),
rows checked on their own (`rows`) and custody records (`custody`). `services.importer` puts
them together."""
