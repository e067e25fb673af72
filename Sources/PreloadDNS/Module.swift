import CUnbound
