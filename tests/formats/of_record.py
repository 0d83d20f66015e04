"""Real NOTAM and navigational warning texts of the public record, as test fixtures.

Each is quoted as published (dashes and the Turkish Ö written in ASCII), with where it was
found. The NOTAMs were found with the
search tool's code index, quoted in public repositories' test files (the index gives the
file, not its repository: its id is noted); each carries its issuing office's number and
FIR, by which it can be looked up in that office's archive. The warnings were found in the
search tool's stored web pages, whose address is given.
"""

from __future__ import annotations

# ---- ICAO NOTAMs ------------------------------------------------------------------------
# Russian Federation, St Petersburg FIR: airspace closed within a polygon, 100 m AMSL.
# Quoted in a public repository's tests (code index file 39783328534).
ULLL_Q0338_25 = """(Q0338/25 NOTAMN
    Q)ULLL/QRTCA/IV/BO/W/000/010/5959N03015E002
    A)ULLL B)2509130700 C)2509131650
    E)AIRSPACE CLSD WI AREA:
    595835N0301229E-595811N0301228E-595809N0301307E-595835N0301229E.
    F)SFC G)100M AMSL)"""

# The same FIR: a circle of 5 km (same file).
ULLL_Q1233_25 = """(Q1233/25 NOTAMN
    Q)ULLL/QRTCA/IV/BO/W/000/010/6128N04015E003
    A)ULLL B)2509270800 C)2509271400
    E)AIRSPACE CLSD WI CIRCLE RADIUS 5KM CENTRE 612800N0401500E.
    F)SFC G)150M AMSL)"""

# St Petersburg FIR, a launch's two closed areas in one NOTAM, July 2026 (code index file
# 70487863076, which quotes the launch's NOTAMs of several offices).
ULLL_X1926_26 = (
    "X1926/26 NOTAMN Q)ULLL/QRTCA/IV/BO/W/000/999/6241N04952E082 A)ULLL B)2607140900 "
    "C)2607182059 E)AIRSPACE CLSD WI AREA: 1. 625500N0470000E-625000N0485000E-622500N0484500E- "
    "623000N0470000E-625500N0470000E. 2. 621200N0510400E-615900N0522100E-622400N0524100E- "
    "623700N0512400E-621200N0510400E. F)GND G)UNL"
)

# China, Wuhan FIR: a temporary danger area, positions written hemisphere first (same file).
ZHWH_A4457_26 = """A4457/26 NOTAMN
Q)ZHWH/QRDCA/IV/BO/W/000/999/3015N11005E022
A)ZHWH B)2609191044 C)2609191111
E) A TEMPORARY DANGER AREA ESTABLISHED BOUNDED BY:
N303500E1095700-N303300E1101900-N295400E1101300-N295700E1095100,
BACK TO START.VERTICAL LIMITS:SFC-UNL.
F)SFC G)UNL"""

# Norway, Bodo Oceanic FIR: a danger area for Russian missile impact, active on a
# schedule (item D) within its B)-C) window (same file).
ENOB_A2411_26 = """A2411/26 NOTAMN
Q) ENOB/QRDCA/IV/BO /W /000/999/7537N02147E047
A) ENOB B) 2604132100 C) 2604301600
D) 13 2100-2359, 14-29 0000-1600 2100-2359, 30 0000-1600
E) TEMPO DANGER AREA &apos;RUS SPACE LAUNCH AREA G APRIL 26&apos; ACTIVATED PSN
762200N 0215500E - 752400N 0244300E - 745100N 0214500E - 755000N
0185000E - 762200N 0215500E - (762200N 0215500E). IMPACT AREA FOR
RUSSIAN MISSILES
F) GND G) UNL"""

# Iran, Tehran FIR: gun firing on two days within the window (item D); the Q-line gives no
# centre (code index file 264285995).
OIIX_A2734_24 = """A2734/24 NOTAMN
Q) OIIX/QWMLW/IV/BO/W/000/120/
A) OIIX B) 2408071130 C) 2408080730
D) AUG 07 /1130-1430
AUG 08 /0430-0730
E) GUN FIRING WILL TAKE PLACE WI AREA :
342123N 0495625E
342604N 0500121E
342300N 0500706E
341805N 0500522E
F) GND G) 12000FT AMSL"""

# India, Mumbai FIR: a VOR/DME out of service, an en-route facility, no volume (code index
# file 55437942031).
VABF_A0758_26 = """A0758/26 NOTAMN
Q) VABF/QNVAS/IV/BO/AE/000/999/1859N07303E025
A) VANM B) 2605211200 C) 2606211830 EST
E) DVOR/DME NMI 115.3MHZ U/S DUE TO MAINTENANCE."""

# South Korea, Incheon FIR: a runway closed, an aerodrome NOTAM (scope A) (code index file
# 52753803330).
RKRR_A1234_26 = """(A1234/26 NOTAMN
Q)RKRR/QMRLC/IV/NBO/A/000/100/3729N12626E005
E)RWY 18/36 CLSD DUE TO MAINT"""

# EUROCONTROL's Digital NOTAM production rules, an item E of the circle form:
# https://swim-eurocontrol.atlassian.net/wiki/pages/diffpages.action?originalId=220793465&pageId=220793470
EUROCONTROL_CIRCLE_E = "2NM radius centred on 483052N 0092008E. From 2000FT AMSL to FL100."

# ---- navigational warnings (WWNWS format) of the Eastern Mediterranean ---------------
# Turkish Navy Hydrographic Office, Antalya NAVTEX station, north of Cyprus, 2020:
# https://defencereview.gr/toyrkiki-navtex-gia-askiseis-me-pyra-voreia/
TURNHOS_1134_20 = """TURNHOS N/W : 1134/20
MEDITERRANEAN SEA
 1. GUNNERY EXERCISE, BETWEEN 12-14 SEP 20 FROM 0500Z TO 1400Z IN AREA BOUNDED BY SADRAZAMKOY AREA:
  35 36.55 N - 032 29.80 E
  35 11.82 N - 033 00.85 E
  35 26.50 N - 033 18.23 E
  35 50.73 N - 032 46.80 E
  CAUTION ADVISED.
 2. CANCEL THIS MESSAGE 141500Z SEP 20."""

# The same office, east of Crete, 2020:
# https://www.enikos.gr/international/700813/navtex-proklisi-apo-tous-tourkous-anatolika-tis-kritis
TURNHOS_0239_20 = """TURNHOS N/W : 0239/20
MEDITERRANEAN SEA
2.MILITARY EXERCISES, ON 11, 14 AND 25 FEB 20 FROM 0600Z TO 1000Z IN AREA BOUNDED BY;
35 30.00 N - 027 40.00 E
35 00.00 N - 027 15.00 E
34 40.00 N - 028 00.00 E
35 20.00 N - 028 20.00 E
CAUTION ADVISED.
3. CANCEL THIS MESSAGE 251100Z FEB 20."""

# The same office, off Kastellorizo, 2018 (listed anticlockwise):
# http://www.newsbomb.gr/ellada/ethnika/story/860875/ragdaies-exelixeis-meta-ta-imia-oi-toyrkoi-apokleioyn-me-navtex-to-kastellorizo
TURNHOS_0235_18 = (
    (
        "NAVTEX NW NR0235/18\nMEDITERRANEAN SEA\nSEARCH AND RESCUE (SAR) EXERCISE, ON 15 FEB 18 "
        "FROM 1100Z TO 1500Z OUT OF FOREIGN TERRITORIAL WATERS IN AREA BOUNDED BY;\n"
    )
    + """36 21.44 N - 029 08.88 E
35 39.64 N - 029 08.88 E
35 39.64 N - 029 59.60 E
36 12.92 N - 029 59.60 E
CAUTION ADVISE"""
)

# Israel, Tel Aviv FIR: five of the nine NOTAMs from the Israel Airports Authority's feed
# that a public NOTAM-reading lesson quotes (code index file 63182256997).
# A restricted area activated with no end (C) PERM).
LLLL_A0616_26 = """(A0616/26 NOTAMN
Q) LLLL/QRRCA/IV/BO /W /070/400/3247N03441E022
A) LLLL B) 2608061630 C) PERM
E) LLR01 ACTIVATED H24, XNG MERVA NOT AVBL EXC BY ATC.
TFC TO/FM LLHA AVBL VIA MERVA BIDIRECTIONAL AT 5,000FT AMSL.
ISRAEL AIP, PART ENR 5.1, PAGE ENR 5.1-3, PARA 2,
CHART ENR 6-1 REF.
F) 7000FT AMSL G) 40000FT AMSL)"""
# Unmanned aircraft at Yeruham, a circle, daily hours (item D).
LLLL_C1764_26 = """(C1764/26 NOTAMN
Q) LLLL/QWULW/IV/BO /W /000/037/3058N03456E001
A) LLLL B) 2608230300 C) 2608271430
D) DAILY 0300-1430
E) UAS/UAV ACT WILL TAKE PLACE AT YERUHAM, FM GND UP TO 600M AGL.
AN AREA WI 0.3NM RADIUS CENTERED ON PSN 305819N0345601E
CLSD FM GND UP TO 3,700FT AMSL.
CTN ADZ.
F) GND G) 3700FT AMSL)"""
# GNSS interference across the FIR, replacing an earlier NOTAM.
LLLL_A0596_26 = """(A0596/26 NOTAMR A0508/26
Q) LLLL/QGWAU/IV/NBO/E /000/999/3125N03521E117
A) LLLL B) 2607281045 C) 2608312359
E) POSS INTRP TO AIRBORNE GNSS EQPT WI TEL-AVIV FIR.)"""
# Ben Gurion aerodrome closed.
LLLL_A0354_26 = """(A0354/26 NOTAMN
Q) LLLL/QFALC/IV/NBO/A /000/999/3201N03453E005
A) LLBG B) 2610161500 C) 2610161955
E) AD CLSD DUE WIP.)"""
# A crane: an obstacle, its area listed by positions.
LLLL_A0666_26 = """(A0666/26 NOTAMN
Q) LLLL/QOBCE/IV/M /AE/000/004/3159N03454E001
A) LLBG B) 2608190300 C) 2608190900
E) CRANE ERECTED WI LLBG CTR, AT EL-AL JUNCTION.
AN AREA FM GND UP TO 100M 360FT AMSL CLSD BTN FLW PSN
315924N0345425E 315922N0345423E 315924N0345419E
315926N0345421E.
CTN ADZ.)"""
