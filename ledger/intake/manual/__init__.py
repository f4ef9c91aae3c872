"""Items entered by hand: the registration, its 编号, the receipt rules by channel, attachments."""
