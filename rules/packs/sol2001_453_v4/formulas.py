"""The arithmetic this pack applies: typed functions from rules.formulas, chosen by name."""

from rules.formulas import costs, income, norm

child_band = norm.child_band_2008
shared_costs = norm.shared_costs_2008
jobbstimulans_disregard = income.jobbstimulans_disregard_2013
child_salary_counted = income.child_salary_counted_2013
cost_accepted = costs.capped
proposed = costs.proposed
# v3 (case bundle /2)
part_month = norm.part_month_kronor
dwelling_share = costs.share_half_up
