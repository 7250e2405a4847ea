"""airbyte-write test connectors written in Python: source-pysample and destination-pyjsonl."""
