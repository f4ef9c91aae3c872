"""Excel exports of the 台账 (items, 舆情事件, the 建议提案 columns) and the child process that writes large ones."""
