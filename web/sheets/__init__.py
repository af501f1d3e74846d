"""Printed sheets of a draw (spec §18): class lists, announcement, ceremony record, notices.

``source`` reads a record folder; ``receipts`` builds every pupil's receipt; ``qr`` (with
``qrmask``) writes signed documents and receipts as verification URLs and QR images;
``pages`` fills the HTML templates; ``render`` turns HTML into PDF with WeasyPrint;
``plan`` and ``batch`` print many sheets in parallel, resumably; ``demo`` makes a
demo record to print.
"""
