"""Charter's alignment library: generation, judging and training on plain data.

It never imports Django; the web app reaches it only through workers/.
"""
