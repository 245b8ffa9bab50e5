"""Reading a photographed C Hasil form: the sheet, its geometry, the digits and their joint decoding."""
