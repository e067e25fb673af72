import CIDN2
