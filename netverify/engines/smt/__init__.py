"""The SMT engine: policies as Z3 formulas over symbolic pods, namespaces and traffic.

Read the modules in this order: ``universe`` (the finite label alphabet),
``endpoints`` (symbolic and concrete endpoints), ``formulas`` (selectors,
peers, ports, isolation, one formula per rule), ``solve`` (three-valued checks,
witnesses).  The concrete engine is tested against this one and vice versa.
"""
