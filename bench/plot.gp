# The charts at the top of BENCHMARKS.md. rps.png: requests per second per
# scenario and mode, ours beside libmicrohttpd (median of the rounds, error
# bars = min-max, ours/libmicrohttpd above each pair); pipelining and the
# 1 GiB file have panels of their own (their scales differ by orders of
# magnitude). cpu.png: server CPU time per request, the same way.
#   gnuplot -e "dir='bench/results'" bench/plot.gp
# reads dir/rps.dat, dir/pipe.dat, dir/sendfile.dat, dir/cpu.dat (written by
# bench/stats.py)
if (!exists("dir")) dir = 'bench/results'
set terminal pngcairo size 1600,660 font "sans,10"
set output dir.'/rps.png'
set multiplot title "Requests per second, ours vs Debian's libmicrohttpd 0.9.75 — median of the rounds, error bars = min–max, label = ours ÷ libmicrohttpd; higher is better" font ",11"
set style data histograms
set style histogram errorbars gap 1.5 lw 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics
set datafile missing "NaN"
set xtics rotate by -35 left font ",9" nomirror
set format y "%.0s%c"
set bmargin 6
set tmargin 4
set yrange [0:*]
set offsets 0, 0, graph 0.08, 0

panel(f) = sprintf("%s/%s", dir, f)

set origin 0, 0
set size 0.70, 0.96
set key top left
set ylabel "requests per second"
plot panel('rps.dat') using 2:3:4:xtic(1) title "ours" lc rgb "#1f77b4", \
     '' using 5:6:7 title "libmicrohttpd" lc rgb "#ff7f0e", \
     '' using 0:($9 * 1.02):8 with labels offset 0,0.6 font ",9" notitle

# The pipelining panel in millions, so that every tick has its own label;
# the narrow panels are labelled by mode only, under a caption.
set origin 0.70, 0
set size 0.15, 0.96
set key off
set ylabel "million requests per second (16-deep pipelining)"
set format y "%.1f"
set ytics 0.5
set xlabel "16-deep pipelining" font ",9"
plot panel('pipe.dat') using ($2/1e6):($3/1e6):($4/1e6):xtic(word(strcol(1), 2)) \
         title "ours" lc rgb "#1f77b4", \
     '' using ($5/1e6):($6/1e6):($7/1e6) title "libmicrohttpd" lc rgb "#ff7f0e", \
     '' using 0:($9 / 1e6 * 1.02):8 with labels offset 0,0.6 font ",8" notitle
set ytics autofreq

# The 1 GiB panel: two cells only, labelled by mode, upright.
set origin 0.85, 0
set size 0.15, 0.96
set ylabel "1 GiB responses per second (= GiB/s)"
set format y "%.1f"
set xtics norotate center font ",9"
set xlabel "1 GiB file (sendfile)" font ",9"
plot panel('sendfile.dat') using 2:3:4:xtic(word(strcol(1), 2)) title "ours" lc rgb "#1f77b4", \
     '' using 5:6:7 title "libmicrohttpd" lc rgb "#ff7f0e", \
     '' using 0:($9 * 1.02):8 with labels offset 0,0.6 font ",9" notitle
unset xlabel
set xtics rotate by -35 left font ",9" nomirror
unset multiplot

set terminal pngcairo size 1600,560 font "sans,10"
set output dir.'/cpu.png'
set title "Server CPU time (user + system, all threads) per request, ours vs Debian's libmicrohttpd — median of the rounds, error bars = min–max, label = ours ÷ libmicrohttpd; lower is better" font ",11"
set origin 0, 0
set size 1, 1
set key top left
set format y "%g"
set ylabel "µs of server CPU per request"
plot panel('cpu.dat') using 2:3:4:xtic(1) title "ours" lc rgb "#1f77b4", \
     '' using 5:6:7 title "libmicrohttpd" lc rgb "#ff7f0e", \
     '' using 0:($9 * 1.02):8 with labels offset 0,0.6 font ",9" notitle
