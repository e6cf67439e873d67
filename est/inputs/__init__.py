"""Lägesbild inputs beyond single reports: dialogues, surveys and official statistics.

``sources.declared_sources`` lists every input with its period and n (the lägesbild's
"Underlag" table); ``summary.other_information`` gives the figures of "Annan information".
"""
