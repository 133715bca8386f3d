"""Writes the wide forms of the Millard et al. (2021) E. coli batches (see /work/shared/realdata/README.md) from the
long files copied here unchanged: millard_all_shifted_wide.csv (batch column, time_h, units in the header) and
millard_1mM_wide.tsv (tab-separated, no batch column, time in minutes). The values are copied as text, so that the
wide and long files give the same numbers; minutes are written with repr() of h*60."""
import csv
from collections import OrderedDict

def read(path):
    rows = OrderedDict()
    with open(path) as f:
        for r in csv.DictReader(f):
            rows.setdefault((r["batch"], r["time_h"]), {})[r["species"]] = r["value"]
    return rows

names = ["GLC", "ACE", "X"]
rows = read("millard_all_shifted.csv")
with open("millard_all_shifted_wide.csv", "w") as f:
    f.write("batch,time_h,GLC [mM],ACE [mM],X [gDW/L]\n")
    for (b, t), v in rows.items():
        f.write(",".join([b, t] + [v.get(n, "NA") for n in names]) + "\n")

rows = read("millard_1mM.csv")
with open("millard_1mM_wide.tsv", "w") as f:
    f.write("time [min]\tX\tGLC\tACE\n")
    for (b, t), v in rows.items():
        f.write("\t".join([repr(float(t) * 60)] + [v.get(n, "") for n in ["X", "GLC", "ACE"]]) + "\n")
