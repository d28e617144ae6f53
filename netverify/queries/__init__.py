"""Queries: each takes a Cluster and returns a result object (never text).

Import the module you need (``netverify.queries.matrix``...): the SMT ones load
Z3 and the matrix loads numpy, which the others do not need.
"""
