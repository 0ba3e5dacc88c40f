"""Asset labels: barcode symbols (zxing-cpp's writer), sheet and roll layouts, PDF and ZPL.
Pure: content in, bytes out; choosing the assets is the service's job."""
