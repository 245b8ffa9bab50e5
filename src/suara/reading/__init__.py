"""Reading a photographed C Hasil form (issue 15): the printable sheet and its geometry
(sheet.py, geometry.py), the digit classifier (digits.py, its weights in data/), and the joint
decoding of every number under the form's own sums (decode.py, pure)."""
