"""Render annstudio.svg as the PNG sizes desktops and Qt want (run here after changing the SVG):

    QT_QPA_PLATFORM=offscreen python render_pngs.py
"""
import sys
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer
app = QGuiApplication(sys.argv)
r = QSvgRenderer("annstudio.svg")  # run in this folder
assert r.isValid()
for size in (16, 24, 32, 48, 64, 128, 256):
    img = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    img.fill(Qt.GlobalColor.transparent)
    p = QPainter(img); p.setRenderHint(QPainter.RenderHint.Antialiasing); r.render(p); p.end()
    assert img.save(f"annstudio-{size}.png")
